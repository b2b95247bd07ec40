"""The service on a real database under concurrent calls that really overlap."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, time

import pytest

from bot.core.clock import SimulatedClock
from bot.core.errors import AlreadyAnswered
from bot.core.ports import Place, Repository, Who
from bot.core.schedules import DrillSpec
from bot.core.service import StudyService
from bot.core.timeline import ManualTimer
from tests.core.conftest import make_bank
from tests.core.fakes import RecordingOutbox

START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
PLACE = Place("test", "guild-1", "#study")
ADMIN = Who("test", "u-admin", "Admin", can_manage=True)


async def service_on(repo: Repository) -> tuple[StudyService, ManualTimer]:
    clock = SimulatedClock(START)
    timer = ManualTimer(clock)
    service = StudyService(
        repo, make_bank(), clock, RecordingOutbox(), timer, None, random.Random(1)
    )
    timer.bind(service)
    await service.sync_questions()
    return service, timer


async def test_two_fires_of_one_drill_post_it_once(repo: Repository) -> None:
    """Two schedulers fire the same drill for the same day at the same moment: one post."""
    service, _ = await service_on(repo)
    await service.set_drill(PLACE, ADMIN, DrillSpec(time(9, 0), "UTC"))
    async with repo.unit(readonly=True) as u:
        [schedule] = await u.enabled_schedules()
    at = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    fired = await asyncio.gather(*(service.fire_drill(schedule.id, at) for _ in range(2)))
    assert sorted(fired) == [False, True]
    async with repo.unit(readonly=True) as u:
        assert len(await u.unrevealed_posts()) == 1


async def test_a_double_click_records_one_answer(repo: Repository) -> None:
    """The same learner's two clicks on one post arrive together: one answer, one refusal."""
    service, timer = await service_on(repo)
    await service.drill_now(PLACE, ADMIN)
    await timer.run_due()
    async with repo.unit(readonly=True) as u:
        [post] = await u.unrevealed_posts()
    ana = Who("test", "u-ana", "Ana")
    results = await asyncio.gather(
        service.record_answer(PLACE, ana, post.id, 1),
        service.record_answer(PLACE, ana, post.id, 2),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyAnswered) for r in results) == 1
    async with repo.unit(readonly=True) as u:
        assert len(await u.answers_for_post(post.id)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_hundred_answerers_while_boards_are_read(repo: Repository) -> None:
    """100 learners answer at once while the leaderboard is read in a loop: every call gets
    a receipt and every answer is stored (no 'database is locked')."""
    service, timer = await service_on(repo)
    await service.drill_now(PLACE, ADMIN)
    await timer.run_due()
    async with repo.unit(readonly=True) as u:
        [post] = await u.unrevealed_posts()
    done = asyncio.Event()

    async def read_boards() -> int:
        reads = 0
        while not done.is_set():
            await service.leaderboard(PLACE, "all")
            reads += 1
        return reads

    reader = asyncio.create_task(read_boards())
    learners = [Who("test", f"u-{n}", f"Learner {n}") for n in range(100)]
    receipts = await asyncio.gather(
        *(service.record_answer(PLACE, who, post.id, n % 4) for n, who in enumerate(learners))
    )
    done.set()
    assert await reader > 0
    assert len(receipts) == 100 and all(r.post_id == post.id for r in receipts)
    async with repo.unit(readonly=True) as u:
        assert len(await u.answers_for_post(post.id)) == 100
