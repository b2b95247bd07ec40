"""One scheduler leader among the bot processes that share a database.

Every process serves commands and clicks; only the leader fires drills, closes
posts, posts weekly boards and delivers queued messages. On SQLite the one
process leads. On Postgres the leader is the process holding a session-level
advisory lock on a connection of its own: when that process dies, Postgres
releases the lock and another process takes over within one poll.

The leader re-runs the catch-up every few seconds, so what another process did
(a schedule moved, a quiz started, a message queued) takes effect at the leader;
the catch-up is idempotent, so running it again never posts anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.service import StudyService
from bot.core.timeline import ManualTimer
from bot.scheduling import JobScheduler

log = logging.getLogger(__name__)

LEADER_LOCK = 0x5354_4C44  # any constant shared by every studybot process
POLL_SECONDS = 10.0  # how often a follower tries to take over (takeover within 30 s)
REFRESH_SECONDS = 2.0  # how often the leader picks up other processes' work


class Leadership:
    def __init__(
        self,
        engine: AsyncEngine,
        service: StudyService,
        timer: ManualTimer | JobScheduler,
        poll_seconds: float = POLL_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.engine = engine
        self.service = service
        self.timer = timer
        self.poll_seconds = poll_seconds
        self.refresh_seconds = refresh_seconds
        self.leading = False
        self._connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """Several processes may share this database (Postgres)."""
        return self.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        """Lead at once if possible (always on SQLite); otherwise keep trying in the background."""
        if not self.shared:
            await self._lead()
            return
        self.timer.active = False
        if await self._try_lock():
            await self._lead()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._release()

    async def _lead(self) -> None:
        self.leading = True
        self.timer.active = True
        if isinstance(self.timer, JobScheduler):
            self.timer.start()
        elif self.shared:
            # a simulated clock moves only on request: refresh just before it does
            self.timer.before_advance = self.service.catch_up
        await self.service.sender.retry_now()  # a new leader does not sit out old backoffs
        await self.service.catch_up()
        await self.timer.run_due()
        if self.shared:
            log.info("this process is the scheduler leader")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds if self.leading else self.poll_seconds)
            try:
                if self.leading:
                    if not await self._still_locked():
                        self._follow()
                        continue
                    await self.service.catch_up()
                elif await self._try_lock():
                    await self._lead()
            except Exception:
                log.exception("leader upkeep failed; trying again")

    def _follow(self) -> None:
        log.warning("lost the scheduler lead (database connection dropped)")
        self.leading = False
        self.timer.active = False
        if isinstance(self.timer, JobScheduler):
            self.timer.pause()
        else:
            self.timer.clear()

    async def _try_lock(self) -> bool:
        try:
            if self._connection is None:
                self._connection = await self.engine.connect()
            result = await self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
            )
            got = bool(result.scalar())
            await self._connection.commit()  # the session lock outlives the transaction
            return got
        except Exception as error:
            log.warning("cannot try for the scheduler lead: %s", error)
            await self._release()
            return False

    async def _still_locked(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception:
            await self._release()
            return False

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                # never back to the pool: the session's advisory lock would go with it
                await connection.invalidate()
