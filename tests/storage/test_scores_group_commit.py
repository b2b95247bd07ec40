"""Answers committed in groups keep exactly-once: repeats refused, nothing confirmed lost.

The crash test runs this module as a child process (`python -m`), which answers as
fast as it can and prints each answer once its call has returned; the test kills it
with SIGKILL mid-stream and checks that every printed answer is in the database.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import SimulatedClock
from bot.core.errors import AlreadyAnswered, StorageBusy
from bot.core.ports import Place, Repository, Who
from bot.core.records import NewPost, QuestionRow
from bot.core.service import StudyService
from bot.core.timeline import ManualTimer
from bot.storage import SqlRepository, create_engine
from bot.storage.tables import answers, learners, scores_all
from tests.core.conftest import make_bank
from tests.core.fakes import RecordingOutbox

from .backends import Backend, cap_sqlite_size

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
PLACE = Place("test", "guild-1", "#study")


async def _service(repo: Repository) -> StudyService:
    clock = SimulatedClock(START)
    timer = ManualTimer(clock, active=False)  # nothing closes: the posts stay open
    service = StudyService(
        repo, make_bank(), clock, RecordingOutbox(), timer, None, random.Random(1)
    )
    timer.bind(service)
    await service.sync_questions()
    return service


async def _open_posts(repo: Repository, count: int) -> list[int]:
    """Open drill posts in PLACE, one per question of the test bank (cycled)."""
    questions = [q.id for q in make_bank().questions]
    ids = []
    async with repo.unit() as u:
        tenant = await u.ensure_tenant(PLACE.platform, PLACE.tenant, "UTC")
        for n in range(count):
            new = NewPost(
                "drill",
                tenant.id,
                PLACE.channel,
                questions[n % len(questions)],
                START - timedelta(minutes=1),
                START + timedelta(days=1),
            )
            post = await u.create_post(new)
            assert post is not None
            ids.append(post.id)
    return ids


async def _stored(backend: Backend) -> Counter[tuple[str, int]]:
    """(user id, post id) of every answer in the log; checks the scores equal the log."""
    async with backend.engine.connect() as connection:
        log = await connection.execute(
            select(learners.c.platform_user_id, answers.c.post_id, answers.c.learner_id).join(
                learners, learners.c.id == answers.c.learner_id
            )
        )
        rows = log.all()
        scores = await connection.execute(select(scores_all.c.learner_id, scores_all.c.answered))
        kept = dict(scores.all())
    assert kept == dict(Counter(row.learner_id for row in rows))  # crash or not
    return Counter((row.platform_user_id, row.post_id) for row in rows)


async def test_concurrent_duplicate_clicks_record_one_answer(
    backend: Backend, repo: Repository
) -> None:
    """Thirty learners click one post three times each, all at once (so repeats share a
    commit group): one answer each, the other clicks refused, the scores count one."""
    service = await _service(repo)
    [post] = await _open_posts(repo, 1)
    clicks = [Who("test", f"u-{n}", f"Learner {n}") for n in range(30) for _ in range(3)]
    random.Random(3).shuffle(clicks)
    results = await asyncio.gather(
        *(service.record_answer(PLACE, who, post, n % 2) for n, who in enumerate(clicks)),
        return_exceptions=True,
    )
    refused = Counter(
        who.user_id
        for who, r in zip(clicks, results, strict=True)
        if isinstance(r, AlreadyAnswered)
    )
    assert all(not isinstance(r, Exception) or isinstance(r, AlreadyAnswered) for r in results)
    assert refused == Counter({f"u-{n}": 2 for n in range(30)})
    assert await _stored(backend) == Counter({(f"u-{n}", post): 1 for n in range(30)})


async def test_a_crash_loses_no_confirmed_answer(backend: Backend, repo: Repository) -> None:
    """A process answering with 20 concurrent answerers is killed (SIGKILL) while commit
    groups are in flight: every answer it had confirmed is stored, and the scores match."""
    await _service(repo)  # questions synced
    posts = await _open_posts(repo, 40)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.test_scores_group_commit",
        backend.url,
        ",".join(map(str, posts)),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdout is not None
    confirmed: list[str] = []
    try:
        while len(confirmed) < 150:
            line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
            assert line, "the answering process ended before it was killed"
            confirmed.append(line.decode().strip())
        child.send_signal(signal.SIGKILL)
        confirmed += (await child.stdout.read()).decode().split()
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()
    stored = await _stored(backend)
    pairs = [(user, int(post)) for user, post in (c.split("@") for c in confirmed)]
    assert max(stored.values()) == 1
    assert [pair for pair in pairs if pair not in stored] == []


async def _answer_until_killed(url: str, posts: list[int]) -> None:
    """The child: 20 answerers, each printing `user@post` once record_answer returned."""
    engine = create_engine(url)
    service = await _service(SqlRepository(engine))
    work = [(post, n) for post in posts for n in range(200)]

    async def answerer() -> None:
        while work:
            post, n = work.pop()
            await service.record_answer(PLACE, Who("test", f"u-{n}", f"L{n}"), post, 0)
            sys.stdout.write(f"u-{n}@{post}\n")
            sys.stdout.flush()

    await asyncio.gather(*(answerer() for _ in range(20)))
    await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_failed_commit_tells_no_unit_of_its_group_it_counted(
    backend: Backend, tmp_path: Path
) -> None:
    """With the disk filling up under 60 concurrent answers, each call either returned and
    its answer is stored, or raised StorageBusy and it is not: nobody is told their answer
    counts unless its commit group reached the disk."""
    repo = SqlRepository(backend.engine)
    service = await _service(repo)
    [post] = await _open_posts(repo, 1)
    await service.record_answer(PLACE, Who("test", "u-first", "First"), post, 0)
    lift = await cap_sqlite_size(backend, tmp_path / "studybot.db", spare_pages=4)
    clickers = [Who("test", f"u-{n}-" + "x" * 300, "L" * 80) for n in range(60)]
    results = await asyncio.gather(
        *(service.record_answer(PLACE, who, post, 0) for who in clickers),
        return_exceptions=True,
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    assert failed and all(isinstance(r, StorageBusy) for r in failed)
    assert len(failed) < len(results)  # some groups fit before the disk was full
    await lift()
    told = [
        who.user_id
        for who, r in zip(clickers, results, strict=True)
        if not isinstance(r, BaseException)
    ]
    assert sorted(user for user, _ in await _stored(backend)) == sorted(["u-first", *told])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_unit_that_fails_leaves_the_rest_of_its_group(repo: Repository) -> None:
    """Forty concurrent write units share commit groups; the ten that raise after writing
    leave nothing, the thirty others are all stored."""
    async with repo.unit() as u:
        await u.sync_questions([QuestionRow("q1", "c", "h")])

    class Refused(Exception):
        pass

    async def write(n: int) -> None:
        async with repo.unit() as u:
            await u.ensure_learner("test", f"u-{n}", f"L{n}")
            await asyncio.sleep(0)  # let others queue behind this unit
            if n % 4 == 0:
                raise Refused()

    results = await asyncio.gather(*(write(n) for n in range(40)), return_exceptions=True)
    assert [isinstance(r, Refused) for r in results] == [n % 4 == 0 for n in range(40)]
    async with repo.unit(readonly=True) as u:
        stored = [await u.find_learner("test", f"u-{n}") is not None for n in range(40)]
    assert stored == [n % 4 != 0 for n in range(40)]


if __name__ == "__main__":
    asyncio.run(_answer_until_killed(sys.argv[1], [int(p) for p in sys.argv[2].split(",")]))
