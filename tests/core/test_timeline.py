"""The in-memory timer: it plays due work in time order, by itself in auto mode."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.clock import SimulatedClock, SystemClock
from bot.core.schedules import DrillSpec
from bot.core.timeline import ManualTimer
from bot.core.views import RevealView
from tests.core.conftest import MOD, PLACE, START, make_world


async def test_auto_mode_runs_due_work_on_its_own() -> None:
    """With auto=True a post and its delivery run without anyone calling run_due."""
    world = make_world(auto=True)
    await world.service.drill_now(PLACE, MOD)
    await world.timer.settle()
    assert len(world.questions("drill")) == 1


async def test_run_due_leaves_future_work_alone() -> None:
    """run_due closes nothing before its time; advance_to does, in order."""
    world = make_world()
    await world.service.sync_questions()
    await world.service.drill_now(PLACE, MOD)
    await world.timer.run_due()
    world.clock.set(START + timedelta(hours=7))
    await world.timer.run_due()
    assert world.posted(RevealView) == []
    await world.timer.advance_to(START + timedelta(hours=8))
    assert len(world.posted(RevealView)) == 1
    assert world.clock.now() == START + timedelta(hours=8)


async def test_advance_to_needs_a_simulated_clock_that_never_goes_back() -> None:
    """A real clock cannot be advanced; a simulated one refuses to go backwards."""
    with pytest.raises(TypeError) as raised:
        await ManualTimer(SystemClock()).advance_to(datetime(2030, 1, 1, tzinfo=UTC))
    assert str(raised.value) == "advance_to needs a SimulatedClock"
    clock = SimulatedClock(START)
    with pytest.raises(ValueError) as raised:
        clock.set(START - timedelta(seconds=1))
    assert str(raised.value) == "a simulated clock never moves backwards"
    assert clock.advance(timedelta(minutes=1)) == START + timedelta(minutes=1)


async def test_a_reveal_due_with_a_new_drill_comes_first() -> None:
    """When one drill closes as the next fires, its reveal is posted before the new question."""
    world = make_world()
    await world.service.sync_questions()
    spec = DrillSpec(time(9, 0), "UTC", window=timedelta(hours=23))
    await world.service.set_drill(PLACE, MOD, spec)
    world.clock.set(START + timedelta(hours=3))  # Thursday 10:00, past today's fire
    await world.service.drill_now(PLACE, MOD)  # closes Friday 09:00, as Friday's drill fires
    await world.timer.advance_to(START + timedelta(days=1, hours=3))
    posted = [type(v).__name__ for _, v in world.outbox.posts]
    assert posted == ["QuestionView", "RevealView", "QuestionView"]
    assert [v.closes_at for v in world.questions("drill")] == [
        START + timedelta(days=1, hours=2),
        START + timedelta(days=2, hours=1),
    ]
