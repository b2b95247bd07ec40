"""Drill schedule syntax and the arithmetic of when a daily drill fires.

A schedule is a local wall-clock time in an IANA zone on some weekdays. Fire
instants are computed per local date, so a 09:00 Europe/Berlin drill is 08:00
UTC in winter and 07:00 UTC in summer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import as_utc
from bot.core.errors import BadInput

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WINDOW = timedelta(hours=8)
_DURATION = re.compile(r"(\d+)\s*([dhms])")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class DrillSpec:
    """What `/drill set` asks for, validated."""

    local_time: time
    timezone: str
    weekdays: tuple[int, ...] = tuple(range(7))
    window: timedelta = DEFAULT_WINDOW
    concept: str | None = None


def parse_zone(name: str) -> ZoneInfo:
    try:
        if "/" not in name and name not in ("UTC", "Etc/UTC"):
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"Unknown time zone '{name}'. Use an IANA zone such as Europe/Berlin, "
            "America/New_York or UTC."
        ) from None


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise BadInput(f"Bad time '{text}'. Use 24-hour HH:MM, e.g. 09:00 or 18:30.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_duration(text: str) -> timedelta:
    """`90m`, `24h`, `1h30m`, `2d`, `45s`: one or more number+unit parts."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise BadInput(f"Bad duration '{text}'. Use a number and a unit: 90m, 2h, 1h30m, 1d, 45s.")
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    seconds = sum(int(n) * units[u] for n, u in parts)
    if seconds <= 0:
        raise BadInput(f"Bad duration '{text}': it must be longer than zero.")
    return timedelta(seconds=seconds)


def parse_weekdays(text: str) -> tuple[int, ...]:
    """`mon,wed,fri`, `mon-fri`, `weekdays`, `daily`."""
    text = text.strip().lower()
    if text in ("daily", "all", "every"):
        return tuple(range(7))
    if text == "weekdays":
        return tuple(range(5))
    if text == "weekends":
        return (5, 6)
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first), _weekday(last)
            days.update(
                range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            )
        else:
            days.add(_weekday(part))
    if not days:
        raise BadInput("No days given. Use e.g. days=mon,wed,fri or days=mon-fri.")
    return tuple(sorted(days))


def _weekday(name: str) -> int:
    key = name.strip()[:3]
    if key not in WEEKDAY_NAMES or len(name.strip()) < 3:
        raise BadInput(f"Unknown day '{name}'. Use mon, tue, wed, thu, fri, sat, sun.")
    return WEEKDAY_NAMES.index(key)


def parse_drill_args(args: Sequence[str]) -> DrillSpec:
    """`HH:MM ZONE [days=...] [window=DURATION] [concept=NAME]`."""
    usage = "Usage: /drill set HH:MM ZONE [days=mon,tue,...] [window=DURATION] [concept=NAME]"
    if len(args) < 2:
        raise BadInput(usage)
    local_time = parse_time(args[0])
    zone = parse_zone(args[1])
    options: dict[str, str] = {}
    for extra in args[2:]:
        key, sep, value = extra.partition("=")
        if not sep or key not in ("days", "window", "concept") or not value:
            raise BadInput(f"Unknown option '{extra}'. {usage}")
        options[key] = value
    window = parse_duration(options["window"]) if "window" in options else DEFAULT_WINDOW
    if window > timedelta(hours=23):
        raise BadInput("The answer window must be shorter than a day (at most 23h).")
    return DrillSpec(
        local_time=local_time,
        timezone=zone.key,
        weekdays=parse_weekdays(options["days"]) if "days" in options else tuple(range(7)),
        window=window,
        concept=options.get("concept"),
    )


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
