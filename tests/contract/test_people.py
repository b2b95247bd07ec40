"""Tenants, their settings, learners, and forgetting a learner completely."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.ports import Repository
from bot.core.records import Learner, NewReview, ReviewItem, Tenant

from .builders import T0, World, answer, card, drill, make_post, schedule


async def test_ensure_tenant_returns_the_same_tenant_and_keeps_its_zone(repo: Repository) -> None:
    """A second ensure finds the first tenant; only set_tenant_timezone changes the zone."""
    async with repo.unit() as unit:
        first = await unit.ensure_tenant("slack", "T1", "UTC")
        again = await unit.ensure_tenant("slack", "T1", "Asia/Tokyo")
        other = await unit.ensure_tenant("discord", "T1", "UTC")
        await unit.set_tenant_timezone(first.id, "America/New_York", explicit=True)
    async with repo.unit() as unit:
        stored = await unit.get_tenant(first.id)
        found = await unit.find_tenant("slack", "T1")
        missing = await unit.get_tenant(first.id + other.id + 100)
        not_found = await unit.find_tenant("slack", "T2")
    assert first == Tenant(first.id, "slack", "T1", "UTC")
    assert not first.timezone_explicit and first.board_day == 0 and first.board_time == time(9)
    assert again == first
    assert other.id != first.id
    expected = Tenant(first.id, "slack", "T1", "America/New_York", timezone_explicit=True)
    assert stored == found == expected
    assert missing is None and not_found is None


async def test_set_tenant_timezone_stores_whether_it_was_explicit(repo: Repository) -> None:
    """The explicit flag is written as given, both ways."""
    async with repo.unit() as unit:
        tenant = await unit.ensure_tenant("slack", "T1", "UTC")
        await unit.set_tenant_timezone(tenant.id, "Asia/Tokyo", explicit=True)
        explicit = await unit.get_tenant(tenant.id)
        await unit.set_tenant_timezone(tenant.id, "Europe/Paris", explicit=False)
        implicit = await unit.get_tenant(tenant.id)
    assert explicit is not None and (explicit.timezone, explicit.timezone_explicit) == (
        "Asia/Tokyo",
        True,
    )
    assert implicit is not None and (implicit.timezone, implicit.timezone_explicit) == (
        "Europe/Paris",
        False,
    )


async def test_weekly_board_settings_and_tenants_with_boards(repo: Repository) -> None:
    """set_tenant_board stores day and time; a None day takes the tenant off the board list."""
    async with repo.unit() as unit:
        first = await unit.ensure_tenant("slack", "T1", "UTC")
        second = await unit.ensure_tenant("slack", "T2", "UTC")
        third = await unit.ensure_tenant("discord", "G3", "UTC")
        await unit.set_tenant_board(first.id, 4, time(17, 30))
        await unit.set_tenant_board(second.id, None, time(8, 15))
    async with repo.unit() as unit:
        boards = await unit.tenants_with_boards()
        off = await unit.get_tenant(second.id)
    assert [(t.id, t.board_day, t.board_time) for t in boards] == [
        (first.id, 4, time(17, 30)),
        (third.id, 0, time(9)),
    ]
    assert off is not None and (off.board_day, off.board_time) == (None, time(8, 15))


async def test_ensure_learner_tracks_display_name_changes(repo: Repository) -> None:
    """Re-ensuring a learner keeps their id and stores their new display name."""
    async with repo.unit() as unit:
        first = await unit.ensure_learner("discord", "42", "Old Name")
    async with repo.unit() as unit:
        renamed = await unit.ensure_learner("discord", "42", "New Name")
    async with repo.unit() as unit:
        found = await unit.find_learner("discord", "42")
        by_id = await unit.get_learner(first.id)
        elsewhere = await unit.find_learner("slack", "42")
    assert renamed.id == first.id
    assert found == by_id == Learner(first.id, "discord", "42", "New Name")
    assert elsewhere is None


async def test_failed_unit_rolls_back_everything(repo: Repository) -> None:
    """An exception inside a unit leaves no trace of its writes."""
    with pytest.raises(RuntimeError):
        async with repo.unit() as unit:
            await unit.ensure_learner("discord", "ghost", "Ghost")
            raise RuntimeError("boom")
    async with repo.unit() as unit:
        assert await unit.find_learner("discord", "ghost") is None


async def test_delete_learner_removes_every_trace_and_only_theirs(
    repo: Repository, world: World
) -> None:
    """Cards, answers, review sessions, the row and the id in rounds go; others keep theirs."""
    post = await make_post(repo, drill(world))
    item = ReviewItem("q1", T0)
    async with repo.unit() as unit:
        await unit.save_schedule(schedule(world))
        for who in (world.alice, world.bob):
            await unit.save_card(who.id, "q1", card(T0))
            await unit.add_answer(answer(world, who, post_id=post.id))
            await unit.add_answer(answer(world, who))
        mine = await unit.create_review(NewReview(world.alice.id, world.tenant.id, 5, (item,), T0))
        theirs = await unit.create_review(NewReview(world.bob.id, world.tenant.id, 5, (item,), T0))
        started = await unit.create_round(
            world.tenant.id, "general", world.alice.id, ["q1"], [world.bob.id, world.alice.id], T0
        )
        joined = await unit.create_round(
            world.tenant.id, "random", world.bob.id, ["q1"], [world.alice.id, world.carol.id], T0
        )
        untouched = await unit.create_round(
            world.tenant.id, "quiet", world.carol.id, ["q1"], [world.carol.id, world.bob.id], T0
        )
    async with repo.unit() as unit:
        await unit.delete_learner(world.alice.id)
    async with repo.unit() as unit:
        assert await unit.get_learner(world.alice.id) is None
        assert await unit.find_learner("discord", "u-alice") is None
        assert await unit.cards_of(world.alice.id) == []
        assert await unit.answers_of(world.alice.id) == []
        assert not await unit.has_answered(post.id, world.alice.id)
        assert await unit.get_review(mine.id) is None
        assert await unit.get_review(theirs.id) == theirs
        assert [a.learner_id for a in await unit.answers_for_post(post.id)] == [world.bob.id]
        assert len(await unit.answers_of(world.bob.id)) == 2
        assert len(await unit.cards_of(world.bob.id)) == 1
        saved = await unit.schedule_for_channel(world.tenant.id, "general")
        rounds = [await unit.get_round(r.id) for r in (started, joined, untouched)]
    assert saved is not None and saved.created_by is None
    assert [(r.started_by, r.roster) for r in rounds if r is not None] == [
        (0, (world.bob.id,)),
        (world.bob.id, (world.carol.id,)),
        (world.carol.id, (world.carol.id, world.bob.id)),
    ]


async def test_delete_learner_leaves_boards_without_them(repo: Repository, world: World) -> None:
    """After forgetting, leaderboards and round scores no longer list the learner."""
    async with repo.unit() as unit:
        quiz = await unit.create_round(world.tenant.id, "general", world.bob.id, ["q1"], [], T0)
    post = await make_post(repo, drill(world, kind="quiz", round_id=quiz.id, position=0))
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice, post_id=post.id, points=30))
        await unit.add_answer(answer(world, world.bob, post_id=post.id, points=10))
        await unit.delete_learner(world.alice.id)
    async with repo.unit() as unit:
        board = await unit.leaderboard(world.tenant.id, None, T0 + timedelta(days=1), limit=10)
        scores = await unit.round_scores(quiz.id)
        answerers = await unit.round_answerers(quiz.id, before_position=1)
    assert [r.learner_id for r in board] == [world.bob.id]
    assert [r.learner_id for r in scores] == [world.bob.id]
    assert answerers == {world.bob.id}
