"""The text grammar of commands, shared by the console and Slack (and Discord's options).

Only syntax lives here: it turns what a user typed into the core's values and
says what is expected when it cannot. The rules (a window of at most 23 hours,
a real zone) are the core's: DrillSpec checks them whoever builds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.core.errors import BadInput
from bot.core.schedules import DEFAULT_WINDOW, WEEKDAY_NAMES, DrillSpec, check_zone

_DURATION = re.compile(r"(\d{1,9})\s*([dhms])")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_DURATION = timedelta(days=3650)
DRILL_USAGE = "HH:MM ZONE [days=mon,tue,...] [window=DURATION] [concept=NAME]"


def parse_zone(name: str) -> ZoneInfo:
    return ZoneInfo(check_zone(name.strip()))


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
    if seconds > MAX_DURATION.total_seconds():
        raise BadInput(f"Duration '{text[:40]}' is too long; the most is {MAX_DURATION.days}d.")
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
    usage = f"Expected {DRILL_USAGE}"
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
    return DrillSpec(
        local_time=local_time,
        timezone=zone.key,
        weekdays=parse_weekdays(options["days"]) if "days" in options else tuple(range(7)),
        window=window,
        concept=options.get("concept"),
    )


def parse_board_args(args: Sequence[str]) -> tuple[int | None, time | None]:
    """`off`, `mon`, or `mon 09:00`: the weekly board's day and local time."""
    if len(args) == 1 and args[0].strip().lower() == "off":
        return None, None
    if not 1 <= len(args) <= 2:
        raise BadInput("Expected a weekday and an optional time, e.g. 'mon 09:00', or 'off'.")
    day = _weekday(args[0].strip().lower())
    return day, parse_time(args[1]) if len(args) == 2 else None


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def matching_zones(prefix: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: those starting with `prefix` first, then containing it."""
    needle = prefix.strip().lower().replace(" ", "_")
    starts = [z for z in _zones() if z.lower().startswith(needle)]
    inside = [z for z in _zones() if needle in z.lower() and z not in starts]
    return (starts + inside)[:limit]


def parse_zone_name(name: str) -> str:
    """The IANA name of a real zone, as typed (surrounding spaces dropped)."""
    return check_zone(name.strip())
