"""The work that follows an acknowledgement, done by a few workers, acknowledgements first.

Slack drops a request not acknowledged within 3 seconds, so a listener only reads what
its work needs out of the request, acknowledges, queues the work here and returns.
bolt's task for the request then ends and the request is freed: a burst of clicks
leaves a queue of small jobs, not thousands of live tasks holding their requests.

The event loop serves acknowledgements and jobs alike, one step each in turn, so jobs
running beside a burst slow every acknowledgement down. While requests are being
answered (``InFlight``) only one worker takes jobs, which keeps the queue moving
however long the burst; the others wait until no request is in flight, then all of
them work the queue down (answers commit in groups, Web API calls overlap).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

WORKERS = 8
WAITING_LIMIT = 20_000  # jobs queued beyond this make their listener wait (after its ack)


class InFlight:
    """Requests received and not yet answered; ``calm`` returns when there are none."""

    def __init__(self) -> None:
        self.count = 0
        self._calm = asyncio.Event()
        self._calm.set()

    def enter(self) -> None:
        self.count += 1
        self._calm.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.count = 0
            self._calm.set()

    async def calm(self) -> None:
        await self._calm.wait()


class Backlog:
    """A FIFO of jobs run by ``workers`` tasks; a job's errors are its own."""

    def __init__(
        self,
        workers: int = WORKERS,
        limit: int = WAITING_LIMIT,
        in_flight: InFlight | None = None,
    ) -> None:
        self.workers = workers
        self.in_flight = in_flight or InFlight()
        self._queue: asyncio.Queue[Job] = asyncio.Queue(limit)
        self._tasks: list[asyncio.Task[None]] = []

    async def put(self, job: Job) -> None:
        """Queue ``job``; returns at once unless ``limit`` jobs are already waiting."""
        if not self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._work(n == 0)) for n in range(self.workers)]
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
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self, steady: bool) -> None:
        while True:
            if not steady:
                await self.in_flight.calm()
            job = await self._queue.get()
            try:
                await job()
            except Exception:  # the job reports its own errors; this only keeps the worker
                log.exception("a queued job failed")
            finally:
                self._queue.task_done()
