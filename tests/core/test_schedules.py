"""Drill schedule syntax and DST-correct fire times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.adapters.grammar import parse_drill_args, parse_duration, parse_weekdays
from bot.core.errors import BadInput
from bot.core.schedules import (
    DrillSpec,
    fire_instant,
    fires_between,
    last_fire_at_or_before,
    next_fire_after,
    week_bounds,
)

NINE = time(9, 0)


def test_berlin_nine_fires_at_eight_utc_in_january_and_seven_in_july() -> None:
    """09:00 Europe/Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST)."""
    assert fire_instant(NINE, "Europe/Berlin", date(2026, 1, 15)) == datetime(
        2026, 1, 15, 8, 0, tzinfo=UTC
    )
    assert fire_instant(NINE, "Europe/Berlin", date(2026, 7, 15)) == datetime(
        2026, 7, 15, 7, 0, tzinfo=UTC
    )


def test_fires_once_per_day_across_the_spring_and_autumn_shifts() -> None:
    """Around both DST changes a daily drill fires exactly once per local day."""
    for start in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        fires = list(
            fires_between(NINE, "Europe/Berlin", range(7), start, start + timedelta(days=5))
        )
        days = [d for _, d in fires]
        assert len(days) == len(set(days)) == 5
        assert {f.astimezone().utcoffset() is not None for f, _ in fires} == {True}


def test_a_wall_time_skipped_by_dst_still_fires_once() -> None:
    """02:30 does not exist in Berlin on 29 March 2026; the drill still fires once that day."""
    start = datetime(2026, 3, 28, 12, tzinfo=UTC)
    fires = list(
        fires_between(time(2, 30), "Europe/Berlin", range(7), start, start + timedelta(days=1))
    )
    assert [d for _, d in fires] == [date(2026, 3, 29)]


def test_next_and_last_fire_respect_weekdays() -> None:
    """A Mon-Fri drill seen on a Friday after it fired next fires on Monday."""
    friday_noon = datetime(2026, 1, 16, 12, tzinfo=UTC)
    weekdays = parse_weekdays("mon-fri")
    assert next_fire_after(NINE, "UTC", weekdays, friday_noon) == (
        datetime(2026, 1, 19, 9, tzinfo=UTC),
        date(2026, 1, 19),
    )
    assert last_fire_at_or_before(NINE, "UTC", weekdays, friday_noon) == (
        datetime(2026, 1, 16, 9, tzinfo=UTC),
        date(2026, 1, 16),
    )


def test_drill_arguments_parse_with_defaults_and_options() -> None:
    """`/drill set 09:00 Europe/Berlin days=mon,wed window=90m concept=adapt.rag` parses."""
    spec = parse_drill_args(
        ["09:00", "Europe/Berlin", "days=mon,wed", "window=90m", "concept=adapt.rag"]
    )
    assert (spec.local_time, spec.timezone, spec.weekdays) == (NINE, "Europe/Berlin", (0, 2))
    assert spec.window == timedelta(minutes=90) and spec.concept == "adapt.rag"
    assert parse_drill_args(["7:05", "UTC"]).weekdays == tuple(range(7))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["25:00", "UTC"], "HH:MM"),
        (["9am", "UTC"], "HH:MM"),
        (["09:00", "Mars/Olympus"], "IANA zone"),
        (["09:00", "CET-ish"], "IANA zone"),
        (["09:00"], "Expected HH:MM ZONE"),
        (["09:00", "UTC", "colour=blue"], "Unknown option"),
        (["09:00", "UTC", "days=funday"], "Unknown day"),
        (["09:00", "UTC", "window=soon"], "Bad duration"),
        (["09:00", "UTC", "window=30h"], "between 1 minute and 23 hours"),
        (["09:00", "UTC", "window=30s"], "between 1 minute and 23 hours"),
        (["09:00", "Europe"], "Unknown time zone 'Europe'"),
        (["09:00", "Mars/Base"], "Unknown time zone 'Mars/Base'"),
        (["09:00", "UTC", "window=99999999999999999999d"], "Bad duration"),
    ],
)
def test_bad_drill_arguments_say_what_is_expected(args: list[str], message: str) -> None:
    """Each malformed /drill set gets one clear line naming the expected format."""
    with pytest.raises(BadInput, match=message):
        parse_drill_args(args)


def test_durations_combine_units() -> None:
    """`90m`, `1h30m`, `2d`, `45s` are durations; `0m` and `ten` are not."""
    assert parse_duration("90m") == parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("0m", "ten", "5", "3x"):
        with pytest.raises(BadInput):
            parse_duration(bad)


def test_week_bounds_follow_the_tenant_zone() -> None:
    """Sunday 23:30 UTC is already Monday in Berlin, so it belongs to the next ISO week."""
    sunday_late = datetime(2026, 1, 18, 23, 30, tzinfo=UTC)
    start, end = week_bounds(sunday_late, "Europe/Berlin")
    assert start == datetime(2026, 1, 18, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(days=7)
    utc_start, _ = week_bounds(sunday_late, "UTC")
    assert utc_start == datetime(2026, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (dict(weekdays=()), "at least one weekday"),
        (dict(weekdays=(7,)), "at least one weekday"),
        (dict(window=timedelta(hours=24)), "between 1 minute and 23 hours"),
        (dict(window=timedelta(seconds=59)), "between 1 minute and 23 hours"),
        (dict(timezone="Europe"), "Unknown time zone"),
    ],
)
def test_a_drill_spec_checks_itself_whoever_builds_it(spec: dict, message: str) -> None:
    """The core refuses a drill with no weekday, a window outside 1 min..23 h or a fake zone."""
    fields: dict = {"local_time": NINE, "timezone": "UTC", **spec}
    with pytest.raises(BadInput, match=message):
        DrillSpec(**fields)


def test_a_drill_spec_at_the_limits_is_accepted() -> None:
    """A 23-hour window on one weekday in a real zone is a valid drill."""
    spec = DrillSpec(NINE, "Asia/Tokyo", weekdays=(6,), window=timedelta(hours=23))
    assert spec.window == timedelta(hours=23)
