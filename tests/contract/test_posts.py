"""Drill and quiz posts: one per drill day, reveal claimed once, lookups by channel and message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.ports import Repository

from .builders import T0, World, drill, make_post, schedule


async def test_duplicate_drill_post_for_a_day_returns_none(repo: Repository, world: World) -> None:
    """A second drill post for the same schedule and date is refused with None."""
    async with repo.unit() as unit:
        plan = await unit.save_schedule(schedule(world))
    day = date(2025, 3, 10)
    async with repo.unit() as unit:
        first = await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))
        second = await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))
        next_day = await unit.create_post(
            drill(world, schedule_id=plan.id, local_date=day + timedelta(days=1))
        )
    async with repo.unit() as unit:
        found = await unit.drill_post_for(plan.id, day)
        none_yet = await unit.drill_post_for(plan.id, day + timedelta(days=2))
    assert first is not None and second is None and next_day is not None
    assert found == first
    assert none_yet is None


async def test_quiz_posts_never_collide(repo: Repository, world: World) -> None:
    """Posts without a schedule (quiz questions) may share everything but their id."""
    first = await make_post(repo, drill(world, kind="quiz"))
    second = await make_post(repo, drill(world, kind="quiz"))
    assert first.id != second.id


async def test_claim_reveal_succeeds_once(repo: Repository, world: World) -> None:
    """Only the first claim flips revealed_at; a missing post is never claimed."""
    post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        first = await unit.claim_reveal(post.id, T0 + timedelta(hours=1))
        again = await unit.claim_reveal(post.id, T0 + timedelta(hours=2))
        missing = await unit.claim_reveal(post.id + 1000, T0)
    async with repo.unit() as unit:
        stored = await unit.get_post(post.id)
        unrevealed = await unit.unrevealed_posts()
    assert (first, again, missing) == (True, False, False)
    assert stored is not None and stored.revealed_at == T0 + timedelta(hours=1)
    assert unrevealed == []


async def test_posts_round_trip_and_take_a_message_id(repo: Repository, world: World) -> None:
    """A created post reads back whole; set_post_message stores the platform id."""
    new = drill(world, kind="quiz", question_id="q3", position=2)
    post = await make_post(repo, new)
    async with repo.unit() as unit:
        await unit.set_post_message(post.id, "msg-123")
        stored = await unit.get_post(post.id)
        missing = await unit.get_post(post.id + 1000)
    assert stored == replace(post, message_id="msg-123")
    assert (stored.kind, stored.question_id, stored.opens_at, stored.position) == (
        "quiz",
        "q3",
        T0,
        2,
    )
    assert stored.closes_at == T0 + timedelta(hours=1) and stored.revealed_at is None
    assert post.message_id is None
    assert missing is None


async def test_latest_open_post_is_the_newest_unrevealed(repo: Repository, world: World) -> None:
    """latest_open_post skips revealed posts and other channels."""
    older = await make_post(repo, drill(world, opens_at=T0))
    newer = await make_post(repo, drill(world, opens_at=T0 + timedelta(minutes=10)))
    await make_post(repo, drill(world, channel="random", opens_at=T0 + timedelta(hours=1)))
    async with repo.unit() as unit:
        latest = await unit.latest_open_post(world.tenant.id, "general")
        await unit.claim_reveal(newer.id, T0 + timedelta(minutes=20))
        after_reveal = await unit.latest_open_post(world.tenant.id, "general")
        await unit.claim_reveal(older.id, T0 + timedelta(minutes=20))
        none_left = await unit.latest_open_post(world.tenant.id, "general")
    assert latest == newer
    assert after_reveal == older
    assert none_left is None


async def test_post_by_message_is_scoped_to_tenant_and_channel(
    repo: Repository, world: World
) -> None:
    """The post of a platform message id is found only in its own tenant and channel."""
    async with repo.unit() as unit:
        other = await unit.ensure_tenant("slack", "T9", "UTC")
    question = await make_post(repo, drill(world))
    quiz = await make_post(repo, drill(world, kind="quiz", question_id="q2"))
    foreign = await make_post(repo, replace(drill(world), tenant_id=other.id))
    async with repo.unit() as unit:
        await unit.set_post_message(question.id, "1700000000.000100")
        await unit.set_post_message(quiz.id, "1700000000.000200")
        await unit.set_post_message(foreign.id, "1700000000.000100")
        await unit.claim_reveal(quiz.id, T0 + timedelta(hours=1))
    async with repo.unit(readonly=True) as unit:
        found = await unit.post_by_message(world.tenant.id, "general", "1700000000.000100")
        revealed = await unit.post_by_message(world.tenant.id, "general", "1700000000.000200")
        theirs = await unit.post_by_message(other.id, "general", "1700000000.000100")
        wrong_channel = await unit.post_by_message(world.tenant.id, "random", "1700000000.000100")
        unknown = await unit.post_by_message(world.tenant.id, "general", "nope")
    assert found is not None and found.id == question.id
    assert revealed is not None and revealed.id == quiz.id and revealed.revealed_at is not None
    assert theirs is not None and theirs.id == foreign.id
    assert wrong_channel is None and unknown is None


async def test_post_by_message_prefers_the_newest_post(repo: Repository, world: World) -> None:
    """Should two posts of a channel ever carry one message id, the newest is the answer."""
    older = await make_post(repo, drill(world))
    newer = await make_post(repo, drill(world, question_id="q2"))
    async with repo.unit() as unit:
        await unit.set_post_message(newer.id, "same")
        await unit.set_post_message(older.id, "same")
        found = await unit.post_by_message(world.tenant.id, "general", "same")
    assert found is not None and found.id == newer.id


async def test_a_post_of_unknown_kind_is_refused(repo: Repository, world: World) -> None:
    """Only drill and quiz posts exist; another kind raises and stores nothing."""
    with pytest.raises((IntegrityError, ValueError)):
        async with repo.unit() as unit:
            await unit.create_post(drill(world, kind="poll"))
    async with repo.unit() as unit:
        assert await unit.unrevealed_posts() == []


async def test_unrevealed_posts_close_first_first(repo: Repository, world: World) -> None:
    """unrevealed_posts lists every open post of every tenant, the earliest close first."""
    late = await make_post(repo, drill(world, opens_at=T0 + timedelta(hours=2)))
    early = await make_post(repo, drill(world, channel="random", opens_at=T0))
    done = await make_post(repo, drill(world, opens_at=T0 - timedelta(hours=1)))
    async with repo.unit() as unit:
        await unit.claim_reveal(done.id, T0)
        pending = await unit.unrevealed_posts()
    assert [p.id for p in pending] == [early.id, late.id]


async def test_recent_drill_questions_newest_first(repo: Repository, world: World) -> None:
    """Recent drill questions of the channel, newest first, quiz posts excluded."""
    for hours, question in ((0, "q1"), (24, "q2"), (48, "q3")):
        await make_post(
            repo, drill(world, question_id=question, opens_at=T0 + timedelta(hours=hours))
        )
    await make_post(
        repo, drill(world, kind="quiz", question_id="q4", opens_at=T0 + timedelta(days=3))
    )
    await make_post(repo, drill(world, channel="random", question_id="q4"))
    async with repo.unit() as unit:
        recent = await unit.recent_drill_questions(world.tenant.id, "general", limit=2)
        every = await unit.recent_drill_questions(world.tenant.id, "general", limit=10)
    assert recent == ["q3", "q2"]
    assert every == ["q3", "q2", "q1"]
