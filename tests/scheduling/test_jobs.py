"""APScheduler wiring: cron jobs per schedule in their zone, agreeing with the core."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.clock import SimulatedClock
from bot.core.records import DrillSchedule
from bot.core.schedules import fires_between
from bot.scheduling import JobScheduler, drill_trigger


def schedule(
    zone: str, at: time = time(9, 0), days: tuple[int, ...] = tuple(range(7))
) -> DrillSchedule:
    return DrillSchedule(
        id=1,
        tenant_id=1,
        channel="#study",
        local_time=at,
        timezone=zone,
        weekdays=days,
        window_minutes=60,
        concept=None,
        enabled=True,
        created_by=None,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 1, 15, 0, tzinfo=UTC), datetime(2026, 1, 15, 8, tzinfo=UTC)),
        (datetime(2026, 7, 15, 0, tzinfo=UTC), datetime(2026, 7, 15, 7, tzinfo=UTC)),
    ],
    ids=["january", "july"],
)
def test_cron_trigger_fires_berlin_nine_at_the_right_utc_hour(
    after: datetime, expected: datetime
) -> None:
    """The real APScheduler trigger fires 09:00 Berlin at 08:00 UTC in January, 07:00 in July."""
    trigger = drill_trigger(schedule("Europe/Berlin"))
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None and fire.astimezone(UTC) == expected


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])
def test_cron_trigger_and_core_arithmetic_agree_for_a_year(zone: str) -> None:
    """Over 2026, including both DST changes, the cron job and the simulated timeline fire alike."""
    weekdays = (0, 2, 4)
    sched = schedule(zone, time(7, 30), weekdays)
    trigger = drill_trigger(sched)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=365)
    core = [f for f, _ in fires_between(sched.local_time, zone, weekdays, start, end)]
    cron, previous, now = [], None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > end:
            break
        cron.append(fire.astimezone(UTC))
        previous, now = fire, fire + timedelta(seconds=1)
    assert len(core) > 150
    assert cron == core


async def test_job_scheduler_arms_and_disarms_jobs() -> None:
    """watch/unwatch keep one job per schedule; a future close is a date job."""
    clock = SimulatedClock(datetime(2026, 1, 15, tzinfo=UTC))
    jobs = JobScheduler(clock, timedelta(hours=6))
    jobs.active = True  # the scheduler leader's timer
    jobs.start()
    try:
        jobs.watch_schedule(schedule("Europe/Berlin"))
        jobs.watch_schedule(schedule("Europe/Berlin", time(10, 0)))  # replaces, same id
        jobs.close_at(7, datetime(2030, 1, 1, tzinfo=UTC))
        assert sorted(jobs.jobs()) == ["close:7", "drill:1"]
        jobs.unwatch_schedule(1)
        assert jobs.jobs() == ["close:7"]
    finally:
        jobs.shutdown()


async def test_a_follower_timer_arms_nothing() -> None:
    """A process that is not the scheduler leader keeps no jobs: the leader does the work."""
    clock = SimulatedClock(datetime(2026, 1, 15, tzinfo=UTC))
    jobs = JobScheduler(clock, timedelta(hours=6))
    jobs.start()
    try:
        jobs.watch_schedule(schedule("Europe/Berlin"))
        jobs.close_at(7, datetime(2030, 1, 1, tzinfo=UTC))
        jobs.deliver_soon(datetime(2030, 1, 1, tzinfo=UTC))
        assert jobs.jobs() == []
    finally:
        jobs.shutdown()
