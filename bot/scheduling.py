"""APScheduler wiring: one cron job per enabled drill schedule, one date job per open post.

No domain rules live here: jobs call StudyService, which decides what to post
and refuses to post twice. Jobs are rebuilt from the database at start-up by
StudyService.catch_up(), which arms this Timer.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.clock import Clock
from bot.core.records import DrillSchedule
from bot.core.schedules import WEEKDAY_NAMES

if TYPE_CHECKING:
    from bot.core.service import StudyService

log = logging.getLogger(__name__)


def drill_trigger(schedule: DrillSchedule) -> CronTrigger:
    """The cron trigger of a schedule, in the schedule's own zone (DST-correct)."""
    return CronTrigger(
        hour=schedule.local_time.hour,
        minute=schedule.local_time.minute,
        day_of_week=",".join(WEEKDAY_NAMES[d] for d in schedule.weekdays),
        timezone=ZoneInfo(schedule.timezone),
    )


class JobScheduler:
    """The Timer port on APScheduler 3, for a real clock."""

    def __init__(self, clock: Clock, grace: timedelta) -> None:
        self.clock = clock
        self.grace = grace
        self.service: StudyService | None = None
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._due_now: list[int] = []
        self._running: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def bind(self, service: StudyService) -> None:
        self.service = service

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    # Timer port
    def close_at(self, post_id: int, when: datetime) -> None:
        if when <= self.clock.now():
            # run at the next turn of the loop, or sooner when run_due() is called
            self._due_now.append(post_id)
            task = asyncio.get_running_loop().create_task(self.run_due())
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            return
        self._scheduler.add_job(
            self._close,
            DateTrigger(run_date=when),
            args=[post_id],
            id=f"close:{post_id}",
            replace_existing=True,
            misfire_grace_time=None,  # a late reveal is still a reveal
        )

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        self._scheduler.add_job(
            self._fire,
            drill_trigger(schedule),
            args=[schedule.id],
            id=f"drill:{schedule.id}",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=int(self.grace.total_seconds()),
        )

    def unwatch_schedule(self, schedule_id: int) -> None:
        job_id = f"drill:{schedule_id}"
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    async def run_due(self) -> None:
        while self._due_now:
            await self._close(self._due_now.pop(0))

    async def _close(self, post_id: int) -> None:
        assert self.service is not None
        try:
            await self.service.close_post(post_id)
        except Exception:
            log.exception("closing post %s failed", post_id)

    async def _fire(self, schedule_id: int) -> None:
        assert self.service is not None
        try:
            await self.service.fire_drill(schedule_id, self.clock.now())
        except Exception:
            log.exception("drill %s failed", schedule_id)
