"""Drill schedules and the arithmetic of when a daily drill fires.

A schedule is a local wall-clock time in an IANA zone on some weekdays. Fire
instants are computed per local date, so a 09:00 Europe/Berlin drill is 08:00
UTC in winter and 07:00 UTC in summer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import as_utc
from bot.core.errors import BadInput

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WINDOW = timedelta(hours=8)


MAX_WINDOW = timedelta(hours=23)
MIN_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class DrillSpec:
    """A channel's daily drill: it validates itself, whoever built it."""

    local_time: time
    timezone: str
    weekdays: tuple[int, ...] = tuple(range(7))
    window: timedelta = DEFAULT_WINDOW
    concept: str | None = None

    def __post_init__(self) -> None:
        check_zone(self.timezone)
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise BadInput("A daily drill needs at least one weekday (Monday to Sunday).")
        if not MIN_WINDOW <= self.window <= MAX_WINDOW:
            raise BadInput("The answer window must be between 1 minute and 23 hours.")


def check_zone(name: str) -> str:
    """The IANA zone name if it names a real zone (not a folder such as `Europe`)."""
    try:
        if not name or "/" not in name and name not in ("UTC", "Etc/UTC"):
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, IsADirectoryError):
        raise BadInput(
            f"Unknown time zone '{name[:60]}'. Use an IANA zone such as Europe/Berlin, "
            "America/New_York or UTC."
        ) from None
    return name


def fire_instant(local_time: time, timezone: str, local_date: date) -> datetime:
    """The UTC instant of `local_time` on `local_date` in `timezone`.

    A wall time skipped by a DST jump resolves to the same offset as before the
    jump (fold=0), i.e. it fires an hour later in local terms; it never fires twice.
    """
    zone = ZoneInfo(timezone)
    return datetime.combine(local_date, local_time, tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, timezone: str) -> date:
    return as_utc(instant).astimezone(ZoneInfo(timezone)).date()


def fires_between(
    local_time: time, timezone: str, weekdays: Sequence[int], start: datetime, end: datetime
) -> Iterator[tuple[datetime, date]]:
    """Fire instants in (start, end], in order, with the local date of each."""
    day = local_date(start, timezone) - timedelta(days=1)
    last_day = local_date(end, timezone) + timedelta(days=1)
    while day <= last_day:
        if day.weekday() in weekdays:
            instant = fire_instant(local_time, timezone, day)
            if start < instant <= end:
                yield instant, day
        day += timedelta(days=1)


def next_fire_after(
    local_time: time, timezone: str, weekdays: Sequence[int], after: datetime
) -> tuple[datetime, date] | None:
    """The first fire strictly after `after`, or None when no weekday is set."""
    if not weekdays:
        return None
    return next(fires_between(local_time, timezone, weekdays, after, after + timedelta(days=8)))


def last_fire_at_or_before(
    local_time: time, timezone: str, weekdays: Sequence[int], now: datetime
) -> tuple[datetime, date] | None:
    fires = list(fires_between(local_time, timezone, weekdays, now - timedelta(days=8), now))
    return fires[-1] if fires else None


def week_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The ISO week (Monday 00:00 to Monday 00:00) containing `now`, in `timezone`, as UTC."""
    today = local_date(now, timezone)
    monday = today - timedelta(days=today.weekday())
    start = fire_instant(time(0, 0), timezone, monday)
    end = fire_instant(time(0, 0), timezone, monday + timedelta(days=7))
    return start, end


def describe_days(weekdays: Sequence[int]) -> str:
    if tuple(weekdays) == tuple(range(7)):
        return "every day"
    if tuple(weekdays) == tuple(range(5)):
        return "Mon-Fri"
    return ",".join(WEEKDAY_NAMES[d].capitalize() for d in weekdays)


def describe_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0m"
