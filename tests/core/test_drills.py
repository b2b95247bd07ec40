"""Daily drills: DST-correct fires, one post per local date, catch-up without repeats."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.clock import SimulatedClock
from bot.core.errors import NoDrillSchedule, QuestionClosed, UnknownConcept
from bot.core.questions import QuestionBank
from bot.core.schedules import DrillSpec
from bot.core.views import BoardView, DrillStatusView, QuestionView, RevealView, StartedView
from tests.core.conftest import ANA, BOB, MOD, PLACE, START, World, make_world, wrong

BERLIN_NINE = DrillSpec(time(9, 0), "Europe/Berlin", window=timedelta(hours=2))
UTC_NINE = DrillSpec(time(9, 0), "UTC")


async def restarted_at(world: World, at: datetime) -> World:
    """A new process at `at` on the same database, after its start-up catch-up ran."""
    again = world.restart(at=at)
    await again.service.catch_up()
    await again.deliver()
    return again


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
    await world.service.set_drill(PLACE, MOD, BERLIN_NINE)
    await world.timer.advance_to(fires_utc - timedelta(minutes=1))
    assert world.questions("drill") == []
    await world.timer.advance_to(fires_utc + timedelta(minutes=1))
    [drill] = world.questions("drill")
    assert drill.closes_at == fires_utc + timedelta(hours=2)
    assert world.outbox.posts[0][0] == PLACE


async def test_each_day_gets_one_drill_and_no_recent_repeat(world: World) -> None:
    """Over 12 days a daily drill posts 12 times with no question of the last 10 repeated."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    await world.advance(timedelta(days=12))
    ids = [v.question_id for v in world.questions("drill")]
    assert len(ids) == 12
    for i in range(len(ids)):
        assert ids[i] not in ids[max(0, i - 10) : i]
    assert len(world.posted(RevealView)) == 12


async def test_weekdays_limit_the_fires(world: World) -> None:
    """A Monday-to-Friday drill posts 5 times in a week."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "UTC", tuple(range(5))))
    await world.advance(timedelta(days=7))
    assert [v.closes_at.weekday() for v in world.questions("drill") if v.closes_at] == [
        3,
        4,
        0,
        1,
        2,
    ]


async def test_two_concurrent_fires_post_once(world: World) -> None:
    """Two scheduler processes firing the same drill together produce exactly one post."""
    status = await world.service.set_drill(PLACE, MOD, BERLIN_NINE)
    assert status.next_fire is not None
    world.clock.set(status.next_fire)
    async with world.repo.unit() as u:
        [schedule] = await u.enabled_schedules()
    results = await asyncio.gather(
        world.service.fire_drill(schedule.id, status.next_fire),
        world.service.fire_drill(schedule.id, status.next_fire),
    )
    assert sorted(results) == [False, True]
    await world.deliver()
    assert len(world.questions("drill")) == 1


async def test_a_missed_fire_within_grace_runs_once_on_start_up(world: World) -> None:
    """Restarting 2h after a missed 09:00 posts the drill once; a second restart posts nothing."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    first = await restarted_at(world, datetime(2026, 1, 15, 11, tzinfo=UTC))
    assert len(first.questions("drill")) == 1
    again = await restarted_at(world, datetime(2026, 1, 15, 11, 5, tzinfo=UTC))
    assert again.questions("drill") == []


async def test_a_fire_missed_by_exactly_the_grace_still_runs(world: World) -> None:
    """Restarting 6h after the fire time (the grace) still posts; 6h and a minute does not."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    late = await restarted_at(world, datetime(2026, 1, 15, 15, 1, tzinfo=UTC))
    assert late.questions("drill") == []
    just = await restarted_at(world, datetime(2026, 1, 15, 15, tzinfo=UTC))
    assert len(just.questions("drill")) == 1


async def test_catch_up_ignores_fires_before_the_schedule_last_changed(world: World) -> None:
    """A drill set at 10:00 for 09:00 did not miss today's 09:00: a restart posts nothing."""
    world.clock.set(datetime(2026, 1, 15, 10, tzinfo=UTC))
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    later = await restarted_at(world, datetime(2026, 1, 15, 11, tzinfo=UTC))
    assert later.questions("drill") == []
    # set exactly at the fire time, it counts
    other = make_world(clock=SimulatedClock(datetime(2026, 1, 15, 9, tzinfo=UTC)))
    await other.service.sync_questions()
    await other.service.set_drill(PLACE, MOD, UTC_NINE)
    assert (
        len(
            (await restarted_at(other, datetime(2026, 1, 15, 9, 30, tzinfo=UTC))).questions("drill")
        )
        == 1
    )


async def test_a_drill_turned_off_is_not_caught_up(world: World) -> None:
    """A schedule switched off does not fire, nor on start-up, nor by its old daily job."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    async with world.repo.unit() as u:
        [schedule] = await u.enabled_schedules()
    await world.service.drill_off(PLACE, MOD)
    assert (
        await world.service.fire_drill(schedule.id, datetime(2026, 1, 15, 9, tzinfo=UTC)) is False
    )
    later = await restarted_at(world, datetime(2026, 1, 15, 11, tzinfo=UTC))
    assert later.questions("drill") == [] and world.questions("drill") == []


async def test_an_overdue_reveal_runs_on_start_up_exactly_once(world: World) -> None:
    """A drill whose window ended while the bot was down is revealed at start, once."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    [drill] = world.questions("drill")
    await world.service.answer_in_channel(PLACE, ANA, "a")
    later = world.clock.now() + timedelta(hours=10)
    restarted = await restarted_at(world, later)
    [reveal] = restarted.posted(RevealView)
    assert reveal.question_id == drill.question_id and reveal.total == 1
    again = await restarted_at(world, later)
    assert again.posted(RevealView) == []


async def test_an_open_post_is_closed_on_time_after_a_restart(world: World) -> None:
    """A restart re-arms the close of a drill still open: it is revealed when its window ends."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    restarted = await restarted_at(world, world.clock.now() + timedelta(hours=1))
    assert restarted.posted(RevealView) == []
    await restarted.advance(timedelta(hours=7) - timedelta(seconds=1))
    assert restarted.posted(RevealView) == []
    await restarted.advance(timedelta(seconds=1))
    assert len(restarted.posted(RevealView)) == 1


async def test_a_failed_post_is_delivered_by_the_next_start(world: World) -> None:
    """If the platform is down at fire time, the queued drill is posted after a restart."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    world.outbox.failures = 1000
    await world.timer.advance_to(datetime(2026, 1, 15, 9, 1, tzinfo=UTC))
    assert world.questions("drill") == []
    restarted = await restarted_at(world, datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    assert len(restarted.questions("drill")) == 1


async def test_drill_settings_are_validated_and_reported(world: World) -> None:
    """Unknown concepts list the known ones; status shows the next fire; off turns it off."""
    with pytest.raises(UnknownConcept, match="alpha, beta, gamma"):
        await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "UTC", concept="omega"))
    status = await world.service.set_drill(PLACE, MOD, BERLIN_NINE)
    assert status == DrillStatusView(
        enabled=True,
        local_time="09:00",
        timezone="Europe/Berlin",
        days="every day",
        window="2h",
        concept=None,
        next_fire=datetime(2026, 1, 15, 8, tzinfo=UTC),
        next_fire_local=date(2026, 1, 15).isoformat(),
    )
    assert await world.service.drill_status(PLACE) == status
    off = await world.service.drill_off(PLACE, MOD)
    assert off == DrillStatusView(enabled=False)
    assert await world.service.drill_status(PLACE) == DrillStatusView(enabled=False)
    with pytest.raises(NoDrillSchedule) as raised:
        await world.service.drill_off(PLACE, MOD)
    assert str(raised.value) == "This channel has no daily drill."
    await world.advance(timedelta(days=2))
    assert world.questions("drill") == []


async def test_a_drill_can_be_replaced_and_turned_on_again(world: World) -> None:
    """Setting the drill again replaces it (one schedule per channel) and re-enables it."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    await world.service.drill_off(PLACE, MOD)
    spec = DrillSpec(time(18, 30), "UTC", (0, 2), timedelta(minutes=45), "beta")
    status = await world.service.set_drill(PLACE, MOD, spec)
    assert (status.local_time, status.days, status.window, status.concept) == (
        "18:30",
        "Mon,Wed",
        "45m",
        "beta",
    )
    async with world.repo.unit() as u:
        [schedule] = await u.enabled_schedules()
    assert (schedule.window_minutes, schedule.weekdays) == (45, (0, 2))
    await world.advance(timedelta(days=7))
    assert [v.concept for v in world.questions("drill")] == ["beta", "beta"]
    assert world.questions("drill")[0].closes_at == datetime(2026, 1, 19, 19, 15, tzinfo=UTC)


async def test_a_channel_without_a_drill_reports_it_off(world: World) -> None:
    """Status of a channel (or workspace) never set up is simply off."""
    assert await world.service.drill_status(PLACE) == DrillStatusView(enabled=False)
    with pytest.raises(NoDrillSchedule):
        await world.service.drill_off(PLACE, MOD)


async def test_drill_now_uses_the_channels_window_and_concept(world: World) -> None:
    """An unscheduled drill takes the schedule's window and concept and keeps today's drill."""
    spec = DrillSpec(time(9, 0), "UTC", window=timedelta(minutes=30), concept="gamma")
    await world.service.set_drill(PLACE, MOD, spec)
    assert await world.service.drill_now(PLACE, MOD) == StartedView("drill", 1, "gamma")
    await world.deliver()
    [now_drill] = world.questions("drill")
    assert now_drill.concept == "gamma"
    assert now_drill.closes_at == world.clock.now() + timedelta(minutes=30)
    await world.advance(timedelta(hours=3))
    assert len(world.questions("drill")) == 2  # the 09:00 drill still came


async def test_drills_prefer_what_the_channel_is_due_for(world: World) -> None:
    """With two regulars, a question both answered wrong long ago beats fresh ones."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    first = world.questions("drill")[0]
    question = world.question(first)
    await world.service.record_answer(PLACE, ANA, first.post_id or 0, wrong(question))
    await world.service.record_answer(PLACE, BOB, first.post_id or 0, wrong(question))
    # ten more drills, then the first one is out of the no-repeat window
    for _ in range(10):
        await world.advance(timedelta(hours=9))
        await world.service.drill_now(PLACE, MOD)
    await world.advance(timedelta(hours=9))
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    chosen = world.questions("drill")[-1]
    assert chosen.question_id == first.question_id
    assert first.question_id not in [v.question_id for v in world.questions("drill")[1:-1]]


async def test_a_question_retired_while_open_does_not_block_start_up(world: World) -> None:
    """The bank lost an open drill's question: start-up still succeeds, answers are refused."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    [drill] = world.questions("drill")
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != drill.question_id)
    )
    restarted = world.restart(at=START, bank=smaller)
    await restarted.service.sync_questions()
    await restarted.service.catch_up()
    with pytest.raises(QuestionClosed):
        await restarted.service.answer_in_channel(PLACE, ANA, "a")
    with pytest.raises(QuestionClosed):
        await restarted.service.record_answer(PLACE, ANA, drill.post_id or 0, 0)
    await restarted.timer.advance_to(START + timedelta(hours=9))
    assert restarted.posted(RevealView) == []
    await restarted.service.drill_now(PLACE, MOD)
    await restarted.deliver()
    assert restarted.questions("drill")[-1].question_id != drill.question_id


async def test_a_restart_re_arms_drills_and_boards(world: World) -> None:
    """After catch-up the new process fires tomorrow's drill and Monday's board by itself."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    drill = world.questions("drill")[0]
    await world.service.record_answer(PLACE, ANA, drill.post_id or 0, world.question(drill).answer)
    restarted = await restarted_at(world, datetime(2026, 1, 15, 8, tzinfo=UTC))
    await restarted.timer.advance_to(datetime(2026, 1, 19, 9, 30, tzinfo=UTC))
    assert len(restarted.questions("drill")) == 5  # Thursday to Monday
    assert len(restarted.posted(BoardView)) == 1


async def test_an_unknown_schedule_fires_nothing(world: World) -> None:
    """A job for a schedule that no longer exists posts nothing."""
    assert await world.service.fire_drill(999, world.clock.now()) is False
    await world.deliver()
    assert world.outbox.posts == []


async def test_a_drill_question_view_is_complete(world: World) -> None:
    """The channel sees the question's text, options, concept title and difficulty."""
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    [view] = world.questions("drill")
    question = world.question(view)
    assert view == QuestionView(
        kind="drill",
        question_id=question.id,
        concept=question.concept,
        concept_title=f"Concept {question.concept}",
        prompt=question.prompt,
        choices=question.choices,
        difficulty=question.difficulty,
        post_id=1,
        closes_at=START + timedelta(hours=8),
        position=None,
        of=None,
        closed=False,
        type="single",
    )


async def test_a_quiet_start_up_only_writes_in_the_board_pass(world: World) -> None:
    """Catch-up reads schedules and open posts without the write lock; with nothing due
    the weekly-board pass is its only writing unit."""
    await world.service.set_drill(PLACE, MOD, UTC_NINE)
    restarted = world.restart(at=datetime(2026, 1, 15, 8, tzinfo=UTC))
    writers = world.repo.write_units
    await restarted.service.catch_up()
    assert world.repo.write_units == writers + 1


async def test_a_retired_question_closes_quietly_and_says_so(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Its post closes without a reveal; operators read why in the log."""
    caplog.set_level(logging.INFO, logger="bot.core")
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    [drill] = world.questions("drill")
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != drill.question_id)
    )
    restarted = world.restart(bank=smaller)
    assert await restarted.service.close_post(drill.post_id or 0) is True
    assert "post 1 closed without a reveal: its question is retired" in [
        r.getMessage() for r in caplog.records
    ]


async def test_a_question_of_an_undeclared_concept_shows_its_concept_id(world: World) -> None:
    """Without a concept title the channel sees the concept's id rather than nothing."""
    bank = QuestionBank((), world.bank.questions[:3])
    bare = make_world(bank=bank)
    await bare.service.sync_questions()
    await bare.service.drill_now(PLACE, MOD)
    await bare.deliver()
    [view] = bare.questions("drill")
    assert view.concept_title == view.concept == "alpha"
