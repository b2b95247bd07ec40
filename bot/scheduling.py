"""APScheduler wiring: one cron job per enabled drill schedule, one date job per open post.

No domain rules live here: jobs call StudyService, which decides what to post
and refuses to post twice. Jobs are rebuilt from the database at start-up by
StudyService.catch_up(), which arms this Timer. APScheduler is imported, and its
scheduler made, when the first job is armed: a start with nothing to schedule
(a new database) does without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.records import DrillSchedule, Tenant
from bot.core.schedules import WEEKDAY_NAMES

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.date import DateTrigger

    from bot.core.service import StudyService

log = logging.getLogger(__name__)


def drill_trigger(schedule: DrillSchedule) -> CronTrigger:
    """The cron trigger of a schedule, in the schedule's own zone (DST-correct)."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(
        hour=schedule.local_time.hour,
        minute=schedule.local_time.minute,
        day_of_week=",".join(WEEKDAY_NAMES[d] for d in schedule.weekdays),
        timezone=ZoneInfo(schedule.timezone),
    )


def _date(when: datetime) -> DateTrigger:
    from apscheduler.triggers.date import DateTrigger

    return DateTrigger(run_date=when)


class JobScheduler:
    """The Timer port on APScheduler 3, for a real clock."""

    def __init__(self, clock: Clock, grace: timedelta) -> None:
        self.clock = clock
        self.grace = grace
        self.service: StudyService | None = None
        self._scheduler: AsyncIOScheduler | None = None  # made when the first job is armed
        self._state = "new"  # then "running", "paused" or "shut down"
        self._due_now: list[int] = []
        self._running: set[asyncio.Task[None]] = set()  # the loop keeps only weak references
        # Only the scheduler leader acts on its timer; a follower ignores what its use cases
        # ask for, and the leader picks that work up from the database.
        self.active = False

    def bind(self, service: StudyService) -> None:
        self.service = service

    def start(self) -> None:
        self._state = "running"
        if self._scheduler is None:
            return
        if self._scheduler.running:
            self._scheduler.resume()
        else:
            self._scheduler.start()

    def pause(self) -> None:
        """Stop acting (the lead was lost): drop every job until start() again."""
        self._state = "paused"
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.remove_all_jobs()
            self._scheduler.pause()

    def shutdown(self) -> None:
        self._state = "shut down"
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    def _armed(self) -> AsyncIOScheduler:
        """The scheduler, made (in the state start/pause asked for) when first needed."""
        if self._scheduler is None:
            from apscheduler.schedulers.asyncio import AsyncIOScheduler

            self._scheduler = AsyncIOScheduler(timezone="UTC")
            if self._state in ("running", "paused"):
                self._scheduler.start(paused=self._state == "paused")
        return self._scheduler

    # Timer port
    def close_at(self, post_id: int, when: datetime) -> None:
        if not self.active:
            return
        if when <= self.clock.now():
            # an early close replaces the armed one; run at the next turn of the loop
            self._drop(f"close:{post_id}")
            self._due_now.append(post_id)
            self._spawn(self.run_due())
            return
        self._armed().add_job(
            self._close,
            _date(when),
            args=[post_id],
            id=f"close:{post_id}",
            replace_existing=True,
            misfire_grace_time=None,  # a late reveal is still a reveal
        )

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        if not self.active:
            return
        self._armed().add_job(
            self._fire,
            drill_trigger(schedule),
            args=[schedule.id],
            id=f"drill:{schedule.id}",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=int(self.grace.total_seconds()),
        )

    def unwatch_schedule(self, schedule_id: int) -> None:
        self._drop(f"drill:{schedule_id}")

    def deliver_soon(self, when: datetime | None = None) -> None:
        if not self.active:
            return
        if when is None or when <= self.clock.now():
            self._spawn(self._deliver())
            return
        self._armed().add_job(
            self._deliver,
            _date(when),
            id=f"deliver:{when.isoformat()}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def watch_boards(self, tenant: Tenant) -> None:
        if not self.active:
            return
        job_id = f"board:{tenant.id}"
        if tenant.board_day is None:
            self._drop(job_id)
            return
        from apscheduler.triggers.cron import CronTrigger

        self._armed().add_job(
            self._boards,
            CronTrigger(
                hour=tenant.board_time.hour,
                minute=tenant.board_time.minute,
                day_of_week=WEEKDAY_NAMES[tenant.board_day],
                timezone=ZoneInfo(tenant.timezone),
            ),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def run_due(self) -> None:
        while self._due_now:
            await self._close(self._due_now.pop(0))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _drop(self, job_id: str) -> None:
        if self._scheduler is not None and self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    async def settle(self) -> None:
        """Run the closes due now and wait for the work they set going (deliveries)."""
        await self.run_due()
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def _deliver(self) -> None:
        assert self.service is not None
        try:
            await self.service.deliver_pending()
        except Exception:
            log.exception("delivering queued messages failed")

    async def _boards(self) -> None:
        assert self.service is not None
        try:
            await self.service.post_weekly_boards()
        except Exception:
            log.exception("queuing the weekly boards failed")

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
