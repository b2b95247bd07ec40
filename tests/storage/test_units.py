"""Units of work: read-only units never write or lock, and concurrent writers all succeed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from bot.core.ports import Repository
from bot.core.records import QuestionRow
from bot.storage import SqlRepository, create_engine

from ..contract.builders import T0, World, answer, card, make_world
from .backends import Backend, open_backend


@pytest.fixture
async def world(repo: Repository) -> World:
    return await make_world(repo)


async def test_readonly_unit_reads_what_was_committed(repo: Repository, world: World) -> None:
    """A read-only unit sees committed rows."""
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice))
    async with repo.unit(readonly=True) as unit:
        board = await unit.leaderboard(world.tenant.id, None, None, limit=5)
        learner = await unit.find_learner("discord", "u-alice")
    assert [r.learner_id for r in board] == [world.alice.id]
    assert learner == world.alice


async def test_writing_in_a_readonly_unit_fails_and_keeps_nothing(
    repo: Repository, world: World
) -> None:
    """A write inside a read-only unit raises a database error; nothing is stored."""
    with pytest.raises(DBAPIError, match="(?i)read-?only"):
        async with repo.unit(readonly=True) as unit:
            await unit.ensure_learner("discord", "u-dave", "Dave")
    async with repo.unit() as unit:
        assert await unit.find_learner("discord", "u-dave") is None


async def test_read_and_write_units_alternate_on_pooled_connections(
    repo: Repository, world: World
) -> None:
    """A connection used read-only can write in its next write unit, and back again."""
    for round_number in range(3):
        async with repo.unit(readonly=True) as unit:
            assert len(await unit.answers_of(world.bob.id)) == round_number
        async with repo.unit() as unit:
            await unit.add_answer(answer(world, world.bob))
    async with repo.unit(readonly=True) as unit:
        assert len(await unit.answers_of(world.bob.id)) == 3


async def test_an_open_readonly_unit_does_not_hold_back_a_writer(
    repo: Repository, world: World
) -> None:
    """While a read-only unit is open (and has read), a write unit commits at once."""
    async with repo.unit(readonly=True) as reader:
        before = await reader.answers_of(world.alice.id)

        async def write() -> None:
            async with repo.unit() as unit:
                await unit.add_answer(answer(world, world.alice))

        await asyncio.wait_for(write(), timeout=5)
    async with repo.unit(readonly=True) as unit:
        after = await unit.answers_of(world.alice.id)
    assert before == []
    assert len(after) == 1


@pytest.mark.parametrize("writers", [100])
async def test_concurrent_writers_all_commit_while_boards_are_read(
    repo: Repository, world: World, writers: int
) -> None:
    """100 concurrent answer-style write units and a looping board reader: no failure, no loss."""
    async with repo.unit() as unit:
        await unit.sync_questions([QuestionRow("q1", "tokens", "h-q1")])
    done = asyncio.Event()
    reads = 0

    async def read_boards() -> None:
        nonlocal reads
        while not done.is_set():
            async with repo.unit(readonly=True) as unit:
                await unit.leaderboard(world.tenant.id, None, None, limit=10)
                await asyncio.sleep(0.001)  # hold the read transaction across writers
                await unit.leaderboard(world.tenant.id, T0, None, limit=10)
            reads += 1

    async def record(number: int) -> int:
        async with repo.unit() as unit:
            learner = await unit.ensure_learner("discord", f"u-{number}", f"Learner {number}")
            await unit.save_card(learner.id, "q1", card(T0))
            return await unit.add_answer(answer(world, learner, points=number))

    reader = asyncio.create_task(read_boards())
    try:
        ids = await asyncio.gather(*(record(n) for n in range(writers)))
    finally:
        done.set()
        await reader
    assert len(set(ids)) == writers
    assert reads > 0
    async with repo.unit(readonly=True) as unit:
        board = await unit.leaderboard(world.tenant.id, None, None, limit=writers + 10)
    assert sorted(row.points for row in board) == list(range(writers))


async def test_sqlite_writers_of_one_process_queue_instead_of_busy_waiting(
    tmp_path: Path,
) -> None:
    """With no busy timeout at all, 50 concurrent write units of one engine all commit."""
    backend = await open_backend("sqlite", tmp_path)
    impatient = create_engine(backend.url, busy_timeout_ms=0)
    try:
        repo = SqlRepository(impatient)
        world = await make_world(repo)

        async def record(number: int) -> None:
            async with repo.unit() as unit:
                await unit.ensure_learner("discord", f"u-{number}", "Someone")
                await asyncio.sleep(0.001)  # hold the write lock across a switch
                await unit.add_answer(answer(world, world.alice, points=number))

        await asyncio.gather(*(record(n) for n in range(50)))
        async with repo.unit(readonly=True) as unit:
            assert len(await unit.answers_of(world.alice.id)) == 50
    finally:
        await impatient.dispose()
        await backend.cleanup()


async def test_two_sqlite_engines_on_one_file_wait_for_each_other(tmp_path: Path) -> None:
    """Writers of two engines (as two processes would) on one SQLite file both commit."""
    backend: Backend = await open_backend("sqlite", tmp_path)
    second_engine = create_engine(backend.url)
    try:
        repos = [SqlRepository(backend.engine), SqlRepository(second_engine)]
        world = await make_world(repos[0])

        async def record(number: int) -> None:
            async with repos[number % 2].unit() as unit:
                await unit.add_answer(answer(world, world.alice, points=number))
                await asyncio.sleep(0.002)  # hold the write lock a little

        await asyncio.gather(*(record(n) for n in range(20)))
        async with repos[1].unit(readonly=True) as unit:
            assert len(await unit.answers_of(world.alice.id)) == 20
    finally:
        await second_engine.dispose()
        await backend.cleanup()


async def test_a_write_unit_inside_a_write_unit_fails_instead_of_hanging(
    backend: Backend, repo: Repository, world: World
) -> None:
    """Nesting write units is refused at once on SQLite (it would wait for itself forever)."""

    async def nested() -> None:
        async with repo.unit() as outer:
            await outer.ensure_learner("discord", "u-outer", "Outer")
            async with repo.unit(readonly=True) as reader:  # reading beside it is fine
                await reader.find_learner("discord", "u-alice")
            async with repo.unit() as inner:
                await inner.ensure_learner("discord", "u-inner", "Inner")

    if backend.engine.dialect.name == "sqlite":
        with pytest.raises(RuntimeError, match="inside another write unit"):
            await asyncio.wait_for(nested(), timeout=5)
        async with repo.unit() as unit:  # and the queue is free again afterwards
            assert await unit.find_learner("discord", "u-outer") is None
    else:
        await asyncio.wait_for(nested(), timeout=5)


async def test_a_task_started_inside_a_write_unit_may_write_later(
    repo: Repository, world: World
) -> None:
    """A task created during a write unit (a timer job) writes once the unit has ended."""
    later: list[asyncio.Task[None]] = []

    async def job() -> None:
        async with repo.unit() as unit:
            await unit.ensure_learner("discord", "u-job", "Job")

    async with repo.unit() as unit:
        await unit.ensure_learner("discord", "u-outer", "Outer")
        later.append(asyncio.create_task(job()))
    await asyncio.wait_for(later[0], timeout=5)
    async with repo.unit(readonly=True) as unit:
        assert await unit.find_learner("discord", "u-job") is not None
