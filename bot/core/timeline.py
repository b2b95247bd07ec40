"""A Timer that keeps its alarms in memory and runs them when told to.

With a SimulatedClock, `advance_to` plays what a real scheduler would have run
in between (drill fires and post closes) in time order, moving the clock to
each instant first. With any clock, `run_due` runs what is due now; the console
calls it after every command so a quiz question that everybody answered is
revealed before the next line is read.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.clock import Clock, SimulatedClock, as_utc
from bot.core.records import DrillSchedule
from bot.core.schedules import next_fire_after

if TYPE_CHECKING:
    from bot.core.service import StudyService


class ManualTimer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.service: StudyService | None = None
        self._closes: list[tuple[datetime, int]] = []  # heap of (when, post id)
        self._schedules: dict[int, DrillSchedule] = {}

    def bind(self, service: StudyService) -> None:
        self.service = service

    # Timer port
    def close_at(self, post_id: int, when: datetime) -> None:
        heapq.heappush(self._closes, (as_utc(when), post_id))

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        self._schedules[schedule.id] = schedule

    def unwatch_schedule(self, schedule_id: int) -> None:
        self._schedules.pop(schedule_id, None)

    # driving
    def _next_event(self, until: datetime) -> tuple[datetime, str, int] | None:
        now = self.clock.now()
        events: list[tuple[datetime, str, int]] = []
        if self._closes and self._closes[0][0] <= until:
            when, post_id = self._closes[0]
            events.append((max(when, now), "close", post_id))
        for schedule in self._schedules.values():
            upcoming = next_fire_after(
                schedule.local_time, schedule.timezone, schedule.weekdays, now
            )
            if upcoming and upcoming[0] <= until:
                events.append((upcoming[0], "fire", schedule.id))
        # closes before fires at the same instant: yesterday's drill reveals first
        return min(events, key=lambda e: (e[0], e[1] != "close"), default=None)

    async def _run(self, kind: str, ident: int, when: datetime) -> None:
        assert self.service is not None, "bind() the service first"
        if kind == "close":
            heapq.heappop(self._closes)
            await self.service.close_post(ident)
        else:
            await self.service.fire_drill(ident, when)

    async def run_due(self) -> None:
        """Run every close that is due at the clock's current time."""
        now = self.clock.now()
        while self._closes and self._closes[0][0] <= now:
            await self._run("close", self._closes[0][1], now)

    async def advance_to(self, target: datetime) -> None:
        """Move a simulated clock to `target`, running each event on the way in order."""
        clock = self.clock
        if not isinstance(clock, SimulatedClock):
            raise TypeError("advance_to needs a SimulatedClock")
        target = as_utc(target)
        while (event := self._next_event(target)) is not None:
            when, kind, ident = event
            clock.set(max(when, clock.now()))
            await self._run(kind, ident, when)
        clock.set(max(target, clock.now()))
        await self.run_due()
