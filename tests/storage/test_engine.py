"""Engine setup: SQLite connection settings and clear errors for unusable databases."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.errors import StorageUnavailable
from bot.core.records import QuestionRow
from bot.storage import SqlRepository, create_engine, migrate
from bot.storage.tables import cards

from .backends import open_backend, terminate_backends


async def _pragmas(connection: AsyncConnection) -> tuple[str, int, int, int]:
    journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
    foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
    busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one()
    await connection.commit()
    return journal, foreign_keys, busy, synchronous


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    """Every SQLite connection: WAL, foreign keys, a 30 s busy timeout, synchronous=FULL (2)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with engine.connect() as first, engine.connect() as second:
            raw_first = (await first.get_raw_connection()).driver_connection
            raw_second = (await second.get_raw_connection()).driver_connection
            assert raw_first is not raw_second
            assert await _pragmas(first) == ("wal", 1, 30000, 2)
            assert await _pragmas(second) == ("wal", 1, 30000, 2)
    finally:
        await engine.dispose()


async def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    """A card for a learner that does not exist is refused by the database."""
    backend = await open_backend("sqlite", tmp_path)
    try:
        async with SqlRepository(backend.engine).unit() as unit:
            await unit.sync_questions([QuestionRow("q1", "tokens", "h")])
        with pytest.raises(IntegrityError):
            async with backend.engine.begin() as connection:
                await connection.execute(
                    cards.insert().values(
                        learner_id=999,
                        question_id="q1",
                        state=1,
                        due=text("CURRENT_TIMESTAMP"),
                        reps=0,
                        lapses=0,
                    )
                )
    finally:
        await backend.cleanup()


def _unwritable_paths(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return {
        "missing folder": Path("/nonexistent-studybot-dir") / "studybot.db",
        "file as folder": a_file / "studybot.db",
        "folder as file": tmp_path,
    }


@pytest.mark.parametrize("case", ["missing folder", "file as folder", "folder as file"])
async def test_unusable_sqlite_path_is_storage_unavailable(tmp_path: Path, case: str) -> None:
    """A SQLite path that cannot hold a database fails early, naming the path."""
    path = _unwritable_paths(tmp_path)[case]
    url = f"sqlite+aiosqlite:///{path}"
    with pytest.raises(StorageUnavailable, match=str(path)):
        await migrate(url)
    with pytest.raises(StorageUnavailable, match=str(path)):
        create_engine(url)


async def test_a_file_in_place_of_the_folder_is_storage_unavailable(tmp_path: Path) -> None:
    """A database path under a regular file is refused, naming the path (even for root)."""
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file")
    with pytest.raises(StorageUnavailable, match=str(not_a_folder)):
        await migrate(f"sqlite+aiosqlite:///{not_a_folder / 'studybot.db'}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc")
async def test_sqlite_file_that_cannot_be_created_is_storage_unavailable() -> None:
    """When SQLite itself cannot create the file, connecting raises StorageUnavailable."""
    path = "/proc/studybot.db"  # passes a root permission check, but nothing is created
    with pytest.raises(StorageUnavailable, match=path):
        await migrate(f"sqlite+aiosqlite:///{path}")
    await _aiosqlite_threads_finished()


async def _aiosqlite_threads_finished() -> None:
    # After a failed connect aiosqlite stops its worker thread without awaiting it;
    # left alone, the thread reports into this test's loop after pytest closed it.
    for _ in range(200):
        if not any("_connection_worker_thread" in t.name for t in threading.enumerate()):
            return
        await asyncio.sleep(0.01)


async def test_unreachable_server_is_storage_unavailable() -> None:
    """A unit on a database server that refuses connections raises StorageUnavailable."""
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/studybot"
    with pytest.raises(StorageUnavailable, match="127.0.0.1:1"):
        await migrate(url)
    engine = create_engine(url)
    try:
        with pytest.raises(StorageUnavailable, match="127.0.0.1:1"):
            async with SqlRepository(engine).unit():
                pass
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_search_path_parameter_selects_the_schema(tmp_path: Path) -> None:
    """A search_path query parameter on a Postgres URL becomes the session's schema."""
    backend = await open_backend("postgres", tmp_path)
    try:
        schema = backend.url.rsplit("search_path=", 1)[1]
        async with backend.engine.connect() as connection:
            current = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
        assert current == schema
    finally:
        await backend.cleanup()


@pytest.mark.postgres
async def test_a_connection_dropped_by_the_server_is_replaced_before_use(tmp_path: Path) -> None:
    """After Postgres terminates a pooled connection (a failover), the next unit still works."""
    backend = await open_backend("postgres", tmp_path)
    try:
        repo = SqlRepository(backend.engine)
        async with repo.unit() as unit:
            await unit.ensure_learner("test", "u-ana", "Ana")
        async with backend.engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await connection.rollback()
        # The pool now holds exactly that connection; end it from another session.
        admin = create_engine(backend.url)
        try:
            assert await terminate_backends(admin, "pid = :pid", pid=pid) == [pid]
        finally:
            await admin.dispose()
        async with repo.unit(readonly=True) as unit:
            assert await unit.find_learner("test", "u-ana") is not None
    finally:
        await backend.cleanup()
