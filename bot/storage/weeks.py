"""ISO weeks in a tenant's zone, as the score tables key them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.schedules import local_date, week_bounds

# The SQL function SQLite connections get for rebuilding weekly rows (see engine.py).
WEEK_FUNCTION = "studybot_week"


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def week_of(instant: datetime, zone: str) -> date:
    """The Monday (a local date) of the ISO week `instant` falls in, in `zone`."""
    day = instant.astimezone(_zone(zone)).date()
    return day - timedelta(days=day.weekday())


def week_of_text(instant: str | None, zone: str | None) -> str | None:
    """week_of for SQLite's stored text (naive UTC), as the SQL function WEEK_FUNCTION.

    Zones move by whole minutes, so the week of the UTC minute is the week of every
    instant in it: a rebuild over a million answers asks the zone database once per
    minute that has answers, not once per answer.
    """
    if instant is None or zone is None:
        return None
    return _week_of_minute(instant[:16], zone)


@lru_cache(maxsize=100_000)
def _week_of_minute(minute: str, zone: str) -> str:
    return week_of(datetime.fromisoformat(minute).replace(tzinfo=UTC), zone).isoformat()


def week_start_of(since: datetime, until: datetime, zone: str) -> date | None:
    """The Monday of the week whose bounds [since, until) are, in `zone` (the core's
    week_bounds); None when they are not exactly one week of that zone."""
    if week_bounds(since, zone) != (since, until):
        return None
    return local_date(since, zone)
