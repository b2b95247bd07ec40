"""How a drill schedule reads back to the people who set it, and which zones are real."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.schedules import (
    DrillSpec,
    check_zone,
    describe_days,
    describe_duration,
    last_fire_at_or_before,
    next_fire_after,
)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4, 5, 6), "every day"),
        ((0, 1, 2, 3, 4), "Mon-Fri"),
        ((5, 6), "Sat,Sun"),
        ((0, 2, 4), "Mon,Wed,Fri"),
        ((1,), "Tue"),
    ],
)
def test_days_read_as_words(days: tuple[int, ...], text: str) -> None:
    """Every day and Monday-to-Friday have names; other sets list their days."""
    assert describe_days(days) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=2), "2h"),
        (timedelta(minutes=45), "45m"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=23, seconds=1), "23h1s"),
        (timedelta(0), "0m"),
    ],
)
def test_durations_read_compactly(delta: timedelta, text: str) -> None:
    """Hours, minutes and seconds that are not zero, run together."""
    assert describe_duration(delta) == text


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "Europe/Berlin", "America/Argentina/Salta"])
def test_real_zones_pass(zone: str) -> None:
    """IANA zone names, including UTC, are accepted as they are."""
    assert check_zone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["", "utc", "Europe", "Berlin", "Mars/Base", "../etc/passwd", "x" * 99]
)
def test_other_names_are_refused_with_examples(zone: str) -> None:
    """Folders, bare cities and made-up names are explained with real examples."""
    with pytest.raises(BadInput) as raised:
        check_zone(zone)
    assert str(raised.value) == (
        f"Unknown time zone '{zone[:60]}'. Use an IANA zone such as Europe/Berlin, "
        "America/New_York or UTC."
    )


def test_a_drill_spec_checks_its_window_and_days() -> None:
    """A one-minute window is the shortest allowed; no weekday is refused; both say why."""
    assert DrillSpec(time(9, 0), "UTC", window=timedelta(minutes=1)).window == timedelta(minutes=1)
    assert DrillSpec(time(9, 0), "UTC", window=timedelta(hours=23)).window == timedelta(hours=23)
    for window in (timedelta(seconds=59), timedelta(hours=23, seconds=1)):
        with pytest.raises(BadInput) as raised:
            DrillSpec(time(9, 0), "UTC", window=window)
        assert str(raised.value) == "The answer window must be between 1 minute and 23 hours."
    for days in ((), (7,), (-1, 2)):
        with pytest.raises(BadInput) as raised:
            DrillSpec(time(9, 0), "UTC", weekdays=days)
        assert str(raised.value) == "A daily drill needs at least one weekday (Monday to Sunday)."


def test_no_weekday_means_no_fire() -> None:
    """Without weekdays there is no last or next fire."""
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert last_fire_at_or_before(time(9, 0), "UTC", (), now) is None
    assert next_fire_after(time(9, 0), "UTC", (), now) is None
