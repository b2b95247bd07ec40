"""What /export-me reads: a learner's schedules, rounds and review sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from bot.core.ports import Repository
from bot.core.records import NewReview, ReviewItem

from .builders import T0, World, answer, drill, make_post, schedule


async def test_schedules_created_by_lists_the_learners_schedules(
    repo: Repository, world: World
) -> None:
    """schedules_created_by lists the schedules the learner saved last, by id."""
    async with repo.unit() as unit:
        first = await unit.save_schedule(schedule(world, channel="a"))
        await unit.save_schedule(schedule(world, channel="b", created_by=world.bob.id))
        third = await unit.save_schedule(schedule(world, channel="c"))
        # Bob saves channel a again: it is his now.
        await unit.save_schedule(schedule(world, channel="a", created_by=world.bob.id))
    async with repo.unit(readonly=True) as unit:
        alices = await unit.schedules_created_by(world.alice.id)
        bobs = await unit.schedules_created_by(world.bob.id)
        carols = await unit.schedules_created_by(world.carol.id)
    assert [s.id for s in alices] == [third.id]
    assert [s.channel for s in bobs] == ["a", "b"] and bobs[0].id == first.id
    assert carols == []


async def test_rounds_of_are_rounds_started_or_played(repo: Repository, world: World) -> None:
    """rounds_of: rounds the learner started or answered in, oldest first; not mere rosters."""
    async with repo.unit() as unit:
        started = await unit.create_round(world.tenant.id, "g", world.alice.id, ["q1"], [], T0)
        played = await unit.create_round(
            world.tenant.id, "g", world.bob.id, ["q1", "q2"], [], T0 + timedelta(minutes=5)
        )
        listed_only = await unit.create_round(
            world.tenant.id, "g", world.bob.id, ["q1"], [world.alice.id], T0
        )
    posts = [
        await make_post(repo, drill(world, kind="quiz", round_id=played.id, position=i))
        for i in range(2)
    ]
    drill_post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice, post_id=posts[0].id))
        await unit.add_answer(answer(world, world.alice, post_id=posts[1].id))
        await unit.add_answer(answer(world, world.alice, post_id=drill_post.id))
        await unit.add_answer(answer(world, world.carol, post_id=posts[0].id))
    async with repo.unit(readonly=True) as unit:
        alices = await unit.rounds_of(world.alice.id)
        bobs = await unit.rounds_of(world.bob.id)
        carols = await unit.rounds_of(world.carol.id)
    assert [r.id for r in alices] == [started.id, played.id]
    assert [r.id for r in bobs] == [played.id, listed_only.id]
    assert [r.id for r in carols] == [played.id]


async def test_reviews_of_lists_the_learners_sessions(repo: Repository, world: World) -> None:
    """reviews_of lists the learner's review sessions, oldest first, and no one else's."""
    item = (ReviewItem("q1", T0),)
    async with repo.unit() as unit:
        first = await unit.create_review(NewReview(world.alice.id, world.tenant.id, 3, item, T0))
        await unit.create_review(NewReview(world.bob.id, world.tenant.id, 3, item, T0))
        later = T0 + timedelta(hours=1)
        second = await unit.create_review(
            NewReview(world.alice.id, world.tenant.id, 5, item, later)
        )
    async with repo.unit(readonly=True) as unit:
        alices = await unit.reviews_of(world.alice.id)
        carols = await unit.reviews_of(world.carol.id)
    assert alices == [first, second]
    assert carols == []


async def test_a_readonly_unit_that_writes_fails_and_keeps_nothing(
    repo: Repository, world: World
) -> None:
    """Writing in a read-only unit is an error, and the write does not survive."""
    with pytest.raises((DBAPIError, AssertionError)):
        async with repo.unit(readonly=True) as unit:
            await unit.ensure_learner("discord", "u-dave", "Dave")
    async with repo.unit() as unit:
        assert await unit.find_learner("discord", "u-dave") is None
