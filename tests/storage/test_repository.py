"""SqlRepository against real databases, for what only SQL can show: time zones, races, disk.

Behaviour that the in-memory fake shares is pinned in tests/contract/.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from bot.core.errors import AlreadyAnswered
from bot.core.ports import Repository
from bot.core.records import Learner, NewReview, Post, QuestionRow, ReviewItem
from bot.core.srs import CardState
from bot.storage import SqlRepository, create_engine

from ..contract.builders import (
    QUESTION_IDS,
    T0,
    World,
    answer,
    card,
    delivery,
    drill,
    make_post,
    make_world,
    schedule,
)
from .backends import Backend


@pytest.fixture
async def world(repo: Repository) -> World:
    return await make_world(repo)


async def test_concurrent_first_contact_creates_one_learner(repo: Repository) -> None:
    """Two units ensuring the same new learner at once agree on a single row."""

    async def first_contact() -> Learner:
        async with repo.unit() as unit:
            return await unit.ensure_learner("slack", "U-new", "Newcomer")

    one, two = await asyncio.gather(first_contact(), first_contact())
    assert one == two


async def test_concurrent_first_contact_creates_one_tenant(repo: Repository) -> None:
    """Two units ensuring the same new tenant at once agree on a single row."""

    async def first_contact() -> int:
        async with repo.unit() as unit:
            return (await unit.ensure_tenant("slack", "T-new", "UTC")).id

    one, two = await asyncio.gather(first_contact(), first_contact())
    assert one == two


async def test_interleaved_read_then_write_units_both_commit(
    repo: Repository, world: World
) -> None:
    """Units that read and then write at the same time both commit ("database is locked" never)."""
    first_has_read, second_has_read = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with repo.unit() as unit:
            await unit.answers_of(world.alice.id)
            first_has_read.set()
            # Give the second unit every chance to read before this one writes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(second_has_read.wait(), 0.3)
            await unit.add_answer(answer(world, world.alice))

    async def second() -> None:
        await first_has_read.wait()
        async with repo.unit() as unit:
            await unit.answers_of(world.bob.id)
            second_has_read.set()
            await unit.add_answer(answer(world, world.bob))

    await asyncio.gather(first(), second())
    async with repo.unit() as unit:
        assert len(await unit.answers_of(world.alice.id)) == 1
        assert len(await unit.answers_of(world.bob.id)) == 1


async def test_cards_round_trip_as_aware_utc(repo: Repository, world: World) -> None:
    """A card saved with an offset reads back equal, with every instant aware and in UTC."""
    berlin = timezone(timedelta(hours=1))
    saved = CardState(
        state=1,
        step=0,
        stability=None,
        difficulty=None,
        due=datetime(2025, 3, 10, 13, 0, 0, 123456, tzinfo=berlin),
        last_review=T0,
    )
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", saved)
    async with repo.unit() as unit:
        loaded = await unit.get_card(world.alice.id, "q1")
        [stored] = await unit.cards_of(world.alice.id)
    assert loaded == saved
    assert loaded is not None and loaded.due.tzinfo == UTC
    assert loaded.due == datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)
    assert stored.card.last_review is not None and stored.card.last_review.tzinfo == UTC


async def test_naive_datetimes_are_refused(repo: Repository, world: World) -> None:
    """Storing a naive datetime fails instead of guessing its zone, in columns and JSON."""
    naive = datetime(2025, 3, 10, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        async with repo.unit() as unit:
            await unit.save_card(world.alice.id, "q1", card(naive))
    with pytest.raises(ValueError, match="naive datetime"):
        async with repo.unit() as unit:
            items = (ReviewItem("q1", naive),)
            await unit.create_review(NewReview(world.alice.id, world.tenant.id, 3, items, T0))


async def test_instants_read_back_in_utc(repo: Repository, world: World) -> None:
    """Answer, review and delivery instants come back aware and in UTC."""
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice))
        review = await unit.create_review(
            NewReview(world.alice.id, world.tenant.id, 3, (ReviewItem("q1", T0),), T0)
        )
        await unit.add_delivery(delivery(world, "k"))
    async with repo.unit() as unit:
        [stored] = await unit.answers_of(world.alice.id)
        session = await unit.get_review(review.id)
        queued = await unit.delivery_for("k")
        next_at = await unit.next_delivery_at()
    assert session is not None and queued is not None and next_at is not None
    instants = [
        stored.answered_at,
        session.started_at,
        session.last_activity_at,
        session.items[0].shown_at,
        queued.created_at,
        queued.next_attempt_at,
        next_at,
    ]
    assert all(instant.tzinfo == UTC for instant in instants), instants


async def test_concurrent_drill_fires_create_exactly_one_post(
    repo: Repository, world: World
) -> None:
    """Two units that both find no post for the day, then create it together, yield one post."""
    async with repo.unit() as unit:
        plan = await unit.save_schedule(schedule(world))
    day = date(2025, 3, 11)
    looked = [asyncio.Event(), asyncio.Event()]

    async def fire(me: int) -> Post | None:
        async with repo.unit() as unit:
            await unit.drill_post_for(plan.id, day)
            looked[me].set()
            # On Postgres both units are open and have looked now; on SQLite the second
            # waits for the first to commit, so stop waiting for it after a moment.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(looked[1 - me].wait(), 0.3)
            return await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))

    results = await asyncio.gather(fire(0), fire(1))
    created = [post for post in results if post is not None]
    assert len(created) == 1, results
    async with repo.unit() as unit:
        assert await unit.drill_post_for(plan.id, day) == created[0]
        assert await unit.unrevealed_posts() == created


async def test_claim_reveal_race_has_one_winner(repo: Repository, world: World) -> None:
    """Of two units claiming the same reveal at once, exactly one gets True."""
    post = await make_post(repo, drill(world))

    async def claim() -> bool:
        async with repo.unit() as unit:
            return await unit.claim_reveal(post.id, T0 + timedelta(hours=1))

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


async def test_finish_round_race_has_one_winner(repo: Repository, world: World) -> None:
    """Of two units finishing the same round at once, exactly one gets True."""
    async with repo.unit() as unit:
        quiz = await unit.create_round(world.tenant.id, "general", world.bob.id, ["q1"], [], T0)

    async def finish() -> bool:
        async with repo.unit() as unit:
            return await unit.finish_round(quiz.id, T0 + timedelta(minutes=1))

    assert sorted(await asyncio.gather(finish(), finish())) == [False, True]


async def test_two_clicks_of_one_learner_record_one_answer(repo: Repository, world: World) -> None:
    """Two units adding the same learner's answer to one post at once: one id, one row."""
    post = await make_post(repo, drill(world))

    async def click(choice: int) -> int | None:
        async with repo.unit() as unit:
            try:
                return await unit.add_answer(
                    answer(world, world.alice, post_id=post.id, choice=choice)
                )
            except AlreadyAnswered:
                return None

    results = await asyncio.gather(click(1), click(2))
    assert len([r for r in results if r is not None]) == 1, results
    async with repo.unit() as unit:
        assert len(await unit.answers_for_post(post.id)) == 1


async def test_data_survives_reopening_the_database(backend: Backend, world: World) -> None:
    """Committed data is read back by a brand-new engine on the same URL."""
    repo = SqlRepository(backend.engine)
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0))
    await backend.engine.dispose()

    engine = create_engine(backend.url)
    try:
        async with SqlRepository(engine).unit() as unit:
            learner = await unit.find_learner("discord", "u-alice")
            stored = await unit.get_card(world.alice.id, "q1")
            active = await unit.active_question_ids()
    finally:
        await engine.dispose()
    assert learner == world.alice
    assert stored == card(T0)
    assert active == set(QUESTION_IDS)


async def test_concurrent_question_syncs_both_succeed(repo: Repository) -> None:
    """Two units syncing the same new bank at once (two processes starting) both succeed."""
    rows = [QuestionRow(f"n{i}", "tokens", f"h{i}") for i in range(50)]
    started = [asyncio.Event(), asyncio.Event()]

    async def sync(me: int) -> None:
        async with repo.unit() as unit:
            await unit.active_question_ids()
            started[me].set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(started[1 - me].wait(), 0.3)
            await unit.sync_questions(rows)

    await asyncio.gather(sync(0), sync(1))
    async with repo.unit(readonly=True) as unit:
        assert await unit.active_question_ids() == {row.id for row in rows}
