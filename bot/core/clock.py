"""Clocks. Inside the core every instant is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: for tests and `--simulated-clock`."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        instant = as_utc(instant)
        if instant < self._now:
            raise ValueError("a simulated clock never moves backwards")
        self._now = instant

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


def as_utc(instant: datetime) -> datetime:
    """Reject naive datetimes; convert aware ones to UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: every instant must be timezone-aware")
    return instant.astimezone(UTC)
