"""Daily drills: DST-correct fires, one post per local date, catch-up without repeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.clock import SimulatedClock
from bot.core.errors import NoDrillSchedule, QuestionClosed, UnknownConcept
from bot.core.questions import QuestionBank
from bot.core.schedules import DrillSpec
from bot.core.views import QuestionView, RevealView
from tests.core.conftest import ANA, BOB, PLACE, START, World, make_world

BERLIN_NINE = DrillSpec(time(9, 0), "Europe/Berlin", window=timedelta(hours=2))


async def drills_posted(world: World) -> list[QuestionView]:
    return [v for v in world.posted(QuestionView) if v.kind == "drill"]


@pytest.mark.parametrize(
    ("start", "fires_utc"),
    [
        (datetime(2026, 1, 15, 6, tzinfo=UTC), datetime(2026, 1, 15, 8, tzinfo=UTC)),
        (datetime(2026, 7, 15, 6, tzinfo=UTC), datetime(2026, 7, 15, 7, tzinfo=UTC)),
    ],
    ids=["january-CET", "july-CEST"],
)
async def test_berlin_drill_fires_at_the_right_utc_instant(
    start: datetime, fires_utc: datetime
) -> None:
    """A 09:00 Europe/Berlin drill posts at 08:00 UTC in January and 07:00 UTC in July."""
    world = make_world(clock=SimulatedClock(start))
    await world.service.sync_questions()
    await world.service.set_drill(PLACE, ANA, BERLIN_NINE)
    await world.timer.advance_to(fires_utc - timedelta(minutes=1))
    assert await drills_posted(world) == []
    await world.timer.advance_to(fires_utc + timedelta(minutes=1))
    [drill] = await drills_posted(world)
    assert drill.closes_at == fires_utc + timedelta(hours=2)


async def test_each_day_gets_one_drill_and_no_recent_repeat(world: World) -> None:
    """Over 12 days a daily drill posts 12 times with no question of the last 10 repeated."""
    await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "UTC"))
    await world.timer.advance_to(world.clock.now() + timedelta(days=12))
    ids = [v.question_id for v in await drills_posted(world)]
    assert len(ids) == 12
    for i in range(len(ids)):
        assert ids[i] not in ids[max(0, i - 10) : i]
    assert len(world.posted(RevealView)) == 12


async def test_two_concurrent_fires_post_once(world: World) -> None:
    """Two scheduler processes firing the same drill together produce exactly one post."""
    status = await world.service.set_drill(PLACE, ANA, BERLIN_NINE)
    assert status.next_fire is not None
    world.clock.set(status.next_fire)
    async with world.repo.unit() as u:
        [schedule] = await u.enabled_schedules()
    results = await asyncio.gather(
        world.service.fire_drill(schedule.id, status.next_fire),
        world.service.fire_drill(schedule.id, status.next_fire),
    )
    assert sum(r is not None for r in results) == 1
    assert len(await drills_posted(world)) == 1


async def test_a_missed_fire_within_grace_runs_once_on_start_up(world: World) -> None:
    """Restarting 2h after a missed 09:00 posts the drill once; a second restart posts nothing."""
    await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "UTC"))
    restarted = make_world(
        repo=world.repo, clock=SimulatedClock(datetime(2026, 1, 15, 11, tzinfo=UTC))
    )
    await restarted.service.catch_up()
    assert len(await drills_posted(restarted)) == 1
    again = make_world(
        repo=world.repo, clock=SimulatedClock(datetime(2026, 1, 15, 11, 5, tzinfo=UTC))
    )
    await again.service.catch_up()
    assert await drills_posted(again) == []


async def test_a_fire_missed_beyond_grace_is_skipped(world: World) -> None:
    """Restarting 7h after the fire time (grace 6h) does not post a stale drill."""
    await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "UTC"))
    late = make_world(repo=world.repo, clock=SimulatedClock(datetime(2026, 1, 15, 16, tzinfo=UTC)))
    await late.service.catch_up()
    assert await drills_posted(late) == []


async def test_an_overdue_reveal_runs_on_start_up_exactly_once(world: World) -> None:
    """A drill whose window ended while the bot was down is revealed at start, once."""
    drill = await world.service.drill_now(PLACE)
    await world.service.answer_in_channel(PLACE, ANA, 0)
    later = world.clock.now() + timedelta(hours=10)
    restarted = make_world(repo=world.repo, clock=SimulatedClock(later))
    await restarted.service.catch_up()
    [reveal] = restarted.posted(RevealView)
    assert reveal.question_id == drill.question_id and reveal.total == 1
    again = make_world(repo=world.repo, clock=SimulatedClock(later))
    await again.service.catch_up()
    assert again.posted(RevealView) == []


async def test_a_failed_post_loses_nothing_and_is_retried_at_start_up(world: World) -> None:
    """If the platform is down at fire time, the drill is posted on the next start."""
    await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "UTC"))
    world.outbox.fail_next = True
    await world.timer.advance_to(datetime(2026, 1, 15, 9, 1, tzinfo=UTC))
    assert await drills_posted(world) == []
    restarted = make_world(
        repo=world.repo, clock=SimulatedClock(datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    )
    await restarted.service.catch_up()
    assert len(await drills_posted(restarted)) == 1


async def test_drill_settings_are_validated_and_reported(world: World) -> None:
    """Unknown concepts list the known ones; status shows the next fire; off turns it off."""
    with pytest.raises(UnknownConcept, match="alpha, beta, gamma"):
        await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "UTC", concept="omega"))
    status = await world.service.set_drill(PLACE, ANA, BERLIN_NINE)
    assert (status.local_time, status.timezone, status.window) == ("09:00", "Europe/Berlin", "2h")
    assert status.next_fire_local == date(2026, 1, 15).isoformat()
    await world.service.drill_off(PLACE)
    assert not (await world.service.drill_status(PLACE)).enabled
    with pytest.raises(NoDrillSchedule):
        await world.service.drill_off(PLACE)
    await world.timer.advance_to(world.clock.now() + timedelta(days=2))
    assert await drills_posted(world) == []


async def test_drills_prefer_what_the_channel_is_due_for(world: World) -> None:
    """With two regulars, a question both answered wrong long ago beats fresh ones."""
    first = await world.service.drill_now(PLACE)
    question = world.bank.get(first.question_id)
    assert question is not None
    wrong = (question.answer + 1) % 4
    await world.service.answer_in_channel(PLACE, ANA, wrong)
    await world.service.answer_in_channel(PLACE, BOB, wrong)
    # ten more drills, then the first one is out of the no-repeat window
    for _ in range(10):
        await world.timer.advance_to(world.clock.now() + timedelta(hours=9))
        await world.service.drill_now(PLACE)
    await world.timer.advance_to(world.clock.now() + timedelta(hours=9))
    chosen = await world.service.drill_now(PLACE)
    assert chosen.question_id == first.question_id
    assert first.question_id not in [v.question_id for v in (await drills_posted(world))[1:-1]]


async def test_a_question_retired_while_open_does_not_block_start_up(world: World) -> None:
    """The bank lost an open drill's question: start-up still succeeds, answers are refused."""
    drill = await world.service.drill_now(PLACE)
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != drill.question_id)
    )
    restarted = make_world(bank=smaller, repo=world.repo, clock=SimulatedClock(START))
    await restarted.service.sync_questions()
    await restarted.service.catch_up()
    with pytest.raises(QuestionClosed):
        await restarted.service.answer_in_channel(PLACE, ANA, 0)
    await restarted.timer.advance_to(START + timedelta(hours=9))
    assert restarted.posted(RevealView) == []
    assert (await restarted.service.drill_now(PLACE)).question_id != drill.question_id
