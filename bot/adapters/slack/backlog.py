"""The work that follows an acknowledgement, done by a few workers, acknowledgements first.

Slack drops a request not acknowledged within 3 seconds, so a listener only reads what
its work needs out of the request, acknowledges, queues the work here and returns.
bolt's task for the request then ends and the request is freed: a burst of clicks
leaves a queue of small jobs, not thousands of live tasks holding their requests.

The event loop serves acknowledgements and jobs alike, one step each in turn, so jobs
running beside a burst slow every acknowledgement down. While acknowledgements fall
behind (``Pressure``: requests in flight and the loop late) the workers take no new
job; one of them waits at most ``PATIENCE`` seconds before it takes one anyway, which
keeps the queue moving however long the burst. Otherwise all of them work the queue
down (answers commit in groups, Web API calls overlap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

WORKERS = 8
PATIENCE = 0.05  # seconds the steady worker waits for a calm moment before each job
LATE = 0.02  # the event loop this many seconds late, with requests in flight, is behind
TICK = 0.01  # how often the loop's lateness is measured while requests are in flight
WAITING_LIMIT = 20_000  # jobs queued beyond this make their listener wait (after its ack)


class Pressure:
    """Whether acknowledgements are falling behind: requests in flight while the loop is late.

    ``enter``/``leave`` count the requests being answered. While there are any, a ticker
    measures how late the event loop runs; ``calm`` returns when no request is in flight,
    or the loop is on time (within ``late`` seconds), so work that only competes with
    acknowledgements when the loop is saturated goes on whenever it is not.
    """

    def __init__(self, late: float = LATE) -> None:
        self.late = late
        self.count = 0
        self.lag = 0.0
        self._calm = asyncio.Event()
        self._calm.set()
        self._ticker: asyncio.Task[None] | None = None

    def enter(self) -> None:
        self.count += 1
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())
        self._update()

    def leave(self) -> None:
        self.count = max(0, self.count - 1)
        self._update()

    async def calm(self) -> None:
        await self._calm.wait()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _update(self) -> None:
        if self.count == 0 or self.lag <= self.late:
            self._calm.set()
        else:
            self._calm.clear()

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.count > 0:
                started = loop.time()
                await asyncio.sleep(TICK)
                self.lag = loop.time() - started - TICK
                self._update()
        finally:
            self.lag = 0.0
            self._ticker = None
            self._update()


class Backlog:
    """A FIFO of jobs run by ``workers`` tasks; a job's errors are its own."""

    def __init__(
        self,
        workers: int = WORKERS,
        limit: int = WAITING_LIMIT,
        pressure: Pressure | None = None,
        patience: float = PATIENCE,
    ) -> None:
        self.workers = workers
        self.patience = patience
        self.pressure = pressure or Pressure()
        self._queue: asyncio.Queue[Job] = asyncio.Queue(limit)
        self._tasks: list[asyncio.Task[None]] = []

    async def put(self, job: Job) -> None:
        """Queue ``job``; returns at once unless ``limit`` jobs are already waiting."""
        if not self._tasks:
            loop = asyncio.get_running_loop()
            patience = [self.patience] + [None] * (self.workers - 1)
            self._tasks = [loop.create_task(self._work(p)) for p in patience]
        await self._queue.put(job)

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    async def wait_idle(self) -> None:
        """Return once every job queued so far has been run."""
        await self._queue.join()

    async def close(self, grace: float) -> None:
        """Run what is queued for up to ``grace`` seconds, then stop the workers."""
        try:
            async with asyncio.timeout(grace):
                await self._queue.join()
        except TimeoutError:
            log.warning("stopping: %d queued job(s) dropped, running ones cancelled", self.waiting)
        self.pressure.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self, patience: float | None) -> None:
        while True:
            if patience is None:
                await self.pressure.calm()  # no new job while acks fall behind
            job = await self._queue.get()
            try:
                await self._calm(patience)  # a burst may have begun while it waited for one
                await job()
            except Exception:  # the job reports its own errors; this only keeps the worker
                log.exception("a queued job failed")
            finally:
                self._queue.task_done()

    async def _calm(self, patience: float | None) -> None:
        """Wait until acks keep up, or ``patience`` seconds (None: however long)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(patience):
                await self.pressure.calm()
