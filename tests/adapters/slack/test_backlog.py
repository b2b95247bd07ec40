"""The queue of work after acks: one worker while acks fall behind, all of them otherwise."""

from __future__ import annotations

import asyncio
from functools import partial

from bot.adapters.slack.backlog import Backlog, Pressure


class Jobs:
    """Jobs that wait for a release; how many ran at once, and which finished."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.done: list[int] = []

    async def job(self, n: int) -> None:
        self.started.append(n)
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        self.done.append(n)


async def settle() -> None:
    """Let every task that can run, run (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def queued_in_flight(
    count: int, late: float, patience: float
) -> tuple[Pressure, Backlog, Jobs]:
    """Four workers; ``count`` jobs queued while a request is in flight."""
    pressure = Pressure(late=late)
    backlog = Backlog(workers=4, pressure=pressure, patience=patience)
    jobs = Jobs()
    pressure.enter()
    for n in range(count):
        await backlog.put(partial(jobs.job, n))
    await settle()
    return pressure, backlog, jobs


async def test_one_worker_while_acks_fall_behind_then_all_of_them() -> None:
    """Ten jobs queued while requests are in flight and the loop runs late: one runs (its
    worker out of patience at once here); once no request is in flight, four workers run
    at once; each job runs exactly once, in the order queued."""
    pressure, backlog, jobs = await queued_in_flight(10, late=-1, patience=0)  # always late
    assert jobs.started == [0]

    pressure.leave()
    await settle()
    assert jobs.running == 4 and jobs.started == [0, 1, 2, 3]

    jobs.release.set()
    await backlog.wait_idle()
    assert sorted(jobs.done) == list(range(10)) and jobs.started == list(range(10))
    assert jobs.most == 4
    await backlog.close(grace=0)


async def test_requests_in_flight_on_a_loop_on_time_hold_no_job_back() -> None:
    """Requests keep coming but the loop keeps up: all four workers take jobs at once."""
    pressure, backlog, jobs = await queued_in_flight(6, late=3600, patience=3600)  # on time
    assert jobs.started == [0, 1, 2, 3]
    jobs.release.set()
    await backlog.wait_idle()
    assert sorted(jobs.done) == list(range(6))
    pressure.leave()
    await backlog.close(grace=0)


async def test_a_failing_job_leaves_its_worker_running_the_rest() -> None:
    """A job that raises is logged; the one worker goes on to the next jobs."""
    backlog = Backlog(workers=1)
    jobs = Jobs()
    jobs.release.set()

    async def broken() -> None:
        raise RuntimeError("boom")

    await backlog.put(broken)
    await backlog.put(partial(jobs.job, 1))
    await backlog.wait_idle()
    assert jobs.done == [1]
    await backlog.close(grace=0)


async def test_closing_runs_what_is_queued_then_stops_the_workers() -> None:
    """close() lets queued jobs finish within its grace; a job still stuck after it is
    cancelled and the workers end."""
    backlog = Backlog(workers=2)
    jobs = Jobs()
    for n in range(3):
        await backlog.put(partial(jobs.job, n))
    await settle()
    jobs.release.set()
    await backlog.close(grace=5)
    assert sorted(jobs.done) == [0, 1, 2]

    stuck = Jobs()
    await backlog.put(partial(stuck.job, 9))
    await settle()
    await backlog.close(grace=0)
    assert stuck.started == [9] and stuck.done == [] and stuck.running == 0
