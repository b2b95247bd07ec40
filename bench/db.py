"""Fresh databases for the benchmark (a SQLite file or a Postgres schema) and raw connections.

The raw connections are the baselines: the plain driver, no SQLAlchemy, the same
schema (a database migrated exactly as the bot's) and, on SQLite, the same
journal and durability settings as the bot's engine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.engine import alembic_config, create_engine

POSTGRES_URL = os.environ.get(
    "STUDYBOT_BENCH_POSTGRES_URL",
    os.environ.get(
        "STUDYBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    ),
)

# The settings bot/storage/engine.py gives every SQLite connection of the bot.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
)


def scratch_folder() -> Path:
    """A folder on the same disk as the bot's default database (not tmpfs): fsync is real."""
    base = Path(os.environ.get("STUDYBOT_BENCH_DIR", Path(__file__).resolve().parent / ".data"))
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=base))


@dataclass
class Database:
    kind: str  # "sqlite" | "postgres"
    url: str  # a DATABASE_URL for the bot
    path: Path | None = None  # the SQLite file
    schema: str | None = None  # the Postgres schema

    async def drop(self) -> None:
        if self.kind == "sqlite" and self.path is not None:
            remove_sqlite(self.path)
        elif self.schema is not None:
            admin = create_async_engine(POSTGRES_URL)
            try:
                async with admin.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            finally:
                await admin.dispose()

    def raw_sqlite(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the bot's pragmas; statements manage transactions."""
        assert self.path is not None
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        return connection

    async def raw_postgres(self) -> asyncpg.Connection:
        return await asyncpg.connect(postgres_dsn(), server_settings=self._search_path())

    async def raw_postgres_pool(self, size: int) -> asyncpg.Pool:
        pool = await asyncpg.create_pool(
            postgres_dsn(), min_size=size, max_size=size, server_settings=self._search_path()
        )
        assert pool is not None
        return pool

    def _search_path(self) -> dict[str, str]:
        assert self.schema is not None
        return {"search_path": self.schema}


def postgres_dsn() -> str:
    """POSTGRES_URL as asyncpg wants it (no "+asyncpg")."""
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)


async def postgres_available() -> bool:
    try:
        connection = await asyncpg.connect(postgres_dsn(), timeout=5)
    except (OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


async def fresh(kind: str, folder: Path, name: str, revision: str = "head") -> Database:
    """An empty database migrated to `revision`."""
    if kind == "sqlite":
        path = folder / f"{name}.db"
        database = Database(kind, f"sqlite+aiosqlite:///{path}", path=path)
    else:
        schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(POSTGRES_URL)
        try:
            async with admin.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            await admin.dispose()
        url = make_url(POSTGRES_URL).update_query_dict({"search_path": schema})
        database = Database(kind, url.render_as_string(hide_password=False), schema=schema)
    await upgrade(database.url, revision)
    return database


_MIGRATING: asyncio.Lock | None = None


async def upgrade(url: str, revision: str = "head") -> None:
    """`alembic upgrade <revision>` on the bot's migrations (bot.storage.migrate goes to head).

    One at a time: Alembic keeps the migration in progress in module globals.
    """
    global _MIGRATING
    _MIGRATING = _MIGRATING or asyncio.Lock()
    async with _MIGRATING:
        engine = create_engine(url, foreign_keys=False)
        try:
            async with engine.connect() as connection, connection.begin():
                await connection.run_sync(_upgrade, url, revision)
        finally:
            await engine.dispose()


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sqlite_instant(instant: datetime) -> str:
    """An instant as the bot's UtcDateTime stores it in SQLite (naive UTC text)."""
    value = instant.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Aware datetimes to SQLite text; booleans to 0/1; dates to ISO text."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, datetime):
            out.append(sqlite_instant(value))
        elif isinstance(value, bool):
            out.append(int(value))
        elif hasattr(value, "isoformat") and not isinstance(value, str):
            out.append(value.isoformat())
        else:
            out.append(value)
    return tuple(out)
