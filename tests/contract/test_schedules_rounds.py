"""Drill schedules (one per channel) and quiz rounds (finished once)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

from bot.core.ports import Repository

from .builders import T0, World, schedule


async def test_save_schedule_replaces_in_place_and_enables(repo: Repository, world: World) -> None:
    """Saving a channel's schedule again keeps its id, replaces its fields, re-enables it."""
    async with repo.unit() as unit:
        first = await unit.save_schedule(schedule(world))
        await unit.set_schedule_enabled(first.id, False, T0 + timedelta(hours=1))
        disabled = await unit.get_schedule(first.id)
        enabled_while_off = await unit.enabled_schedules()
    changed = schedule(
        world,
        local_time=time(18, 5),
        timezone="America/New_York",
        weekdays=(6, 5),
        window_minutes=30,
        concept="tokens",
        updated_at=T0 + timedelta(days=1),
    )
    async with repo.unit() as unit:
        second = await unit.save_schedule(changed)
        elsewhere = await unit.save_schedule(schedule(world, channel="random"))
        by_channel = await unit.schedule_for_channel(world.tenant.id, "general")
        enabled = await unit.enabled_schedules()
        nothing = await unit.schedule_for_channel(world.tenant.id, "nowhere")
    assert first.enabled and first.weekdays == (0, 2, 4) and first.local_time == time(9, 30)
    assert first.created_by == world.alice.id
    assert disabled is not None and not disabled.enabled
    assert disabled.updated_at == T0 + timedelta(hours=1)
    assert enabled_while_off == []
    assert second.id == first.id and second.enabled
    assert (second.local_time, second.timezone, second.weekdays) == (
        time(18, 5),
        "America/New_York",
        (5, 6),
    )
    assert (second.window_minutes, second.concept, second.updated_at) == (
        30,
        "tokens",
        T0 + timedelta(days=1),
    )
    assert by_channel == second
    assert enabled == [second, elsewhere]
    assert nothing is None


async def test_quiz_round_lifecycle(repo: Repository, world: World) -> None:
    """A round is active until finished; the position moves; the roster stays as created."""
    async with repo.unit() as unit:
        started = await unit.create_round(
            world.tenant.id, "general", world.alice.id, ["q1", "q2"], [world.alice.id], T0
        )
        active = await unit.active_round(world.tenant.id, "general")
        elsewhere = await unit.active_round(world.tenant.id, "random")
        await unit.update_round(started.id, position=1)
    async with repo.unit() as unit:
        moved = await unit.get_round(started.id)
        missing = await unit.get_round(started.id + 1000)
    assert started.question_ids == ("q1", "q2") and started.position == 0
    assert started.roster == (world.alice.id,) and started.finished_at is None
    assert started.started_by == world.alice.id and started.started_at == T0
    assert active == started
    assert elsewhere is None
    assert moved == replace(started, position=1)
    assert missing is None


async def test_finish_round_is_true_only_for_the_finisher(repo: Repository, world: World) -> None:
    """The first finish_round returns True and keeps its time; later ones return False."""
    async with repo.unit() as unit:
        started = await unit.create_round(world.tenant.id, "general", world.bob.id, ["q1"], [], T0)
    async with repo.unit() as unit:
        first = await unit.finish_round(started.id, T0 + timedelta(minutes=3))
        again = await unit.finish_round(started.id, T0 + timedelta(minutes=9))
    async with repo.unit() as unit:
        later = await unit.finish_round(started.id, T0 + timedelta(minutes=12))
        missing = await unit.finish_round(started.id + 1000, T0)
        finished = await unit.get_round(started.id)
        after = await unit.active_round(world.tenant.id, "general")
    assert (first, again, later, missing) == (True, False, False, False)
    assert finished is not None and finished.finished_at == T0 + timedelta(minutes=3)
    assert after is None


async def test_active_round_is_the_newest_unfinished(repo: Repository, world: World) -> None:
    """With several unfinished rounds in a channel, the latest started is the active one."""
    async with repo.unit() as unit:
        old = await unit.create_round(world.tenant.id, "general", world.bob.id, ["q1"], [], T0)
        new = await unit.create_round(
            world.tenant.id, "general", world.bob.id, ["q2"], [], T0 + timedelta(minutes=1)
        )
        active = await unit.active_round(world.tenant.id, "general")
        await unit.finish_round(new.id, T0 + timedelta(minutes=2))
        then = await unit.active_round(world.tenant.id, "general")
    assert active == new
    assert then == old
