"""Migrated test databases on SQLite or Postgres, for storage and end-to-end tests.

    backend = await open_backend("postgres", tmp_path)
    try:
        repository = SqlRepository(backend.engine)   # or run the app on backend.url
    finally:
        await backend.cleanup()

Each Postgres backend lives in a fresh schema of the test database, named in
the URL's `search_path` parameter, and is dropped by cleanup().
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage import create_engine, migrate

POSTGRES_URL = os.environ.get(
    "STUDYBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

# Postgres params carry the `postgres` marker so `-m "not postgres"` deselects them.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class Backend(NamedTuple):
    url: str  # a DATABASE_URL for this database, already migrated
    engine: AsyncEngine  # an engine on it, disposed by cleanup()
    cleanup: Callable[[], Awaitable[None]]


async def open_backend(kind: str, tmp_path: Path) -> Backend:
    """A migrated, empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}"
        await migrate(url)
        engine = create_engine(url)
        return Backend(url, engine, engine.dispose)
    if kind == "postgres":
        return await _open_postgres()
    raise ValueError(f"unknown backend {kind!r}")


async def _open_postgres() -> Backend:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, connect_args={"timeout": 5})
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (DBAPIError, OSError) as err:
        await admin.dispose()
        _postgres_unavailable(err)

    async def drop_schema() -> None:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    url = make_url(POSTGRES_URL).update_query_dict({"search_path": schema})
    url_text = url.render_as_string(hide_password=False)
    try:
        await migrate(url_text)
    except BaseException:
        await drop_schema()
        raise
    engine = create_engine(url_text)

    async def cleanup() -> None:
        await engine.dispose()
        await drop_schema()

    return Backend(url_text, engine, cleanup)


def _postgres_unavailable(err: BaseException) -> None:
    shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    message = f"PostgreSQL at {shown} is unreachable ({err}); set STUDYBOT_TEST_POSTGRES_URL"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI must run the Postgres tests.", pytrace=False)
    pytest.skip(message)


async def cap_sqlite_size(
    backend: Backend, database: Path, spare_pages: int
) -> Callable[[], Awaitable[None]]:
    """Let the SQLite file grow by only `spare_pages` pages: a disk about to be full.

    The limit applies to connections made from now on, so the pool is emptied. Returns
    what lifts the limit again (for reading back what was stored).
    """
    with sqlite3.connect(database) as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(backend.engine.sync_engine, "connect")
    def _tiny(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
        cursor.close()

    async def lift() -> None:
        event.remove(backend.engine.sync_engine, "connect", _tiny)
        await backend.engine.dispose()

    await backend.engine.dispose()
    return lift


async def terminate_backends(admin: AsyncEngine, where: str, **parameters: Any) -> list[int]:
    """End the Postgres backends of pg_stat_activity matching `where` (a failover), and
    wait until they have gone: pg_terminate_backend only signals them."""
    async with admin.connect() as connection:
        ended = await connection.execute(
            text(f"SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE {where}"),
            parameters,
        )
        pids = [pid for pid, done in ended if done]
        await connection.commit()
    for _ in range(500):
        async with admin.connect() as connection:
            left = await connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            )
            if left.scalar_one() == 0:
                return pids
        await asyncio.sleep(0.01)
    raise AssertionError(f"the terminated backends {pids} did not go away")
