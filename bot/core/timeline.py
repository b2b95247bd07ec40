"""A Timer that keeps its alarms in memory and runs them when told to.

With a SimulatedClock, `advance_to` plays what a real scheduler would have run
in between (drill fires, post closes, weekly boards, delivery retries) in time
order, moving the clock to each instant first. With any clock, `run_due` runs
what is due now; the console calls it after every command so a quiz question
that everybody answered is revealed before the next line is read. With
`auto=True` (platform tests on a simulated clock) what becomes due now runs by
itself on the event loop, as it would under the real scheduler.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.clock import Clock, SimulatedClock, as_utc
from bot.core.records import DrillSchedule, Tenant
from bot.core.schedules import next_fire_after

if TYPE_CHECKING:
    from bot.core.service import StudyService

# closes before deliveries before boards before fires at one instant: yesterday's
# drill is revealed before today's is posted
_ORDER = {"close": 0, "deliver": 1, "board": 2, "fire": 3}


class ManualTimer:
    def __init__(self, clock: Clock, auto: bool = False, active: bool = True) -> None:
        self.clock = clock
        self.auto = auto
        # a follower process (not the scheduler leader) keeps no alarms: the leader acts
        self.active = active
        # run before time moves: a leader sharing its database picks up other processes' work
        self.before_advance: Callable[[], Awaitable[None]] | None = None
        self.service: StudyService | None = None
        self._closes: list[tuple[datetime, int]] = []  # heap of (when, post id)
        self._deliveries: list[datetime] = []  # heap of instants the sender should run
        self._schedules: dict[int, DrillSchedule] = {}
        self._boards: dict[int, Tenant] = {}
        # the last instant each daily job ran at: another job run at the same instant
        # must not push it to the next day
        self._ran: dict[tuple[str, int], datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = asyncio.Lock()

    def bind(self, service: StudyService) -> None:
        self.service = service

    # Timer port
    def close_at(self, post_id: int, when: datetime) -> None:
        if not self.active:
            return
        heapq.heappush(self._closes, (as_utc(when), post_id))
        self._kick(when)

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        if not self.active:
            return
        self._schedules[schedule.id] = schedule

    def unwatch_schedule(self, schedule_id: int) -> None:
        self._schedules.pop(schedule_id, None)

    def deliver_soon(self, when: datetime | None = None) -> None:
        if not self.active:
            return
        instant = as_utc(when) if when is not None else self.clock.now()
        heapq.heappush(self._deliveries, instant)
        self._kick(instant)

    def watch_boards(self, tenant: Tenant) -> None:
        if not self.active:
            return
        if tenant.board_day is None:
            self._boards.pop(tenant.id, None)
        else:
            self._boards[tenant.id] = tenant

    def clear(self) -> None:
        """Forget every alarm (the lead was lost)."""
        self._closes.clear()
        self._deliveries.clear()
        self._schedules.clear()
        self._boards.clear()

    # driving
    def _kick(self, when: datetime) -> None:
        if self.auto and as_utc(when) <= self.clock.now():
            task = asyncio.get_running_loop().create_task(self.run_due())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until everything started by itself has finished (auto mode)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))
        await self.run_due()

    def _next_event(self, until: datetime) -> tuple[datetime, str, int] | None:
        now = self.clock.now()
        just_before = now - timedelta(microseconds=1)
        events: list[tuple[datetime, str, int]] = []
        if self._closes and self._closes[0][0] <= until:
            events.append((max(self._closes[0][0], now), "close", self._closes[0][1]))
        if self._deliveries and self._deliveries[0] <= until:
            events.append((max(self._deliveries[0], now), "deliver", 0))
        for schedule in self._schedules.values():
            after = max(self._ran.get(("fire", schedule.id), just_before), just_before)
            upcoming = next_fire_after(
                schedule.local_time, schedule.timezone, schedule.weekdays, after
            )
            if upcoming and upcoming[0] <= until:
                events.append((upcoming[0], "fire", schedule.id))
        for tenant in self._boards.values():
            assert tenant.board_day is not None
            after = max(self._ran.get(("board", tenant.id), just_before), just_before)
            zone, day = tenant.timezone, (tenant.board_day,)
            upcoming = next_fire_after(tenant.board_time, zone, day, after)
            if upcoming and upcoming[0] <= until:
                events.append((upcoming[0], "board", tenant.id))
        return min(events, key=lambda e: (e[0], _ORDER[e[1]]), default=None)

    async def _run(self, kind: str, ident: int, when: datetime) -> None:
        assert self.service is not None, "bind() the service first"
        if kind == "close":
            heapq.heappop(self._closes)
            await self.service.close_post(ident)
        elif kind == "deliver":
            while self._deliveries and self._deliveries[0] <= self.clock.now():
                heapq.heappop(self._deliveries)
            await self.service.deliver_pending()
        elif kind == "board":
            self._ran[(kind, ident)] = when
            await self.service.post_weekly_boards()
        else:
            self._ran[(kind, ident)] = when
            await self.service.fire_drill(ident, when)

    async def run_due(self) -> None:
        """Run every close and delivery that is due at the clock's current time."""
        async with self._running:
            now = self.clock.now()
            while (event := self._next_event(now)) is not None and event[1] in ("close", "deliver"):
                await self._run(event[1], event[2], event[0])

    async def advance_to(self, target: datetime) -> None:
        """Move a simulated clock to `target`, running each event on the way in order."""
        clock = self.clock
        if not isinstance(clock, SimulatedClock):
            raise TypeError("advance_to needs a SimulatedClock")
        target = as_utc(target)
        if self.before_advance is not None and self.active:
            await self.before_advance()
        async with self._running:
            while (event := self._next_event(target)) is not None:
                when, kind, ident = event
                clock.set(max(when, clock.now()))
                await self._run(kind, ident, when)
            clock.set(max(target, clock.now()))
        await self.run_due()
