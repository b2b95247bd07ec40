"""From a DATABASE_URL to a ready database: engine setup, migrations, clear failures."""

from __future__ import annotations

import os
import re
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_

from bot import faults
from bot.core.errors import StorageUnavailable
from bot.storage.sqlite import SqliteUnits
from bot.storage.weeks import WEEK_FUNCTION, week_of_text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# Any constant works; it only has to be the same in every bot process.
_MIGRATION_LOCK = 0x5354_5544

# An execution option on a connection: its next transaction only reads.
READONLY = "studybot_readonly"

# Postgres connections per engine: kept open, and opened beyond that under load.
POOL_SIZE = 5
POOL_OVERFLOW = 10
# A pooled connection idle longer than this is pinged before use (see _check_before_use).
PING_AFTER_IDLE = 1.0

# How long a SQLite writer waits for another process's write lock before failing.
# In one process writers queue on an asyncio.Lock instead (see SqlRepository).
BUSY_TIMEOUT_MS = 30_000


def create_engine(
    url: str, *, foreign_keys: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> AsyncEngine:
    """An async engine for `url`.

    SQLite connections get WAL, synchronous=FULL, a busy timeout and enforced
    foreign keys; a transaction begins IMMEDIATE (taking the write lock) unless
    the connection carries the READONLY execution option, which begins a
    deferred, query-only transaction instead.
    `foreign_keys=False` is for migrations only: rebuilding a SQLite table in
    batch mode drops it, and with enforcement on that drop cascades to children.
    Postgres connections are checked before use (a failover or restart closes them).
    A `search_path` query parameter on a postgresql+asyncpg URL sets the
    session's search path, so one database can hold several isolated schemas.
    """
    parsed = make_url(url)
    check_writable(parsed)
    parsed, connect_args = _split_search_path(parsed)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, connect_args=connect_args)
        _configure_sqlite(
            engine.sync_engine, foreign_keys=foreign_keys, busy_timeout_ms=busy_timeout_ms
        )
        _begin_explicitly(engine.sync_engine)
        if in_a_file(parsed):
            # The units of work use plain sqlite3 connections of their own, set up by the
            # same "connect" listeners as this engine's (see SqliteUnits).
            units = SqliteUnits(parsed, engine.sync_engine, _begin_explicitly, busy_timeout_ms)
            _SQLITE_UNITS[engine] = units
            event.listen(engine.sync_engine, "engine_disposed", lambda _: units.close())
    else:
        engine = create_async_engine(
            parsed, connect_args=connect_args, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
        _check_before_use(engine.sync_engine)
    return engine


async def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (`alembic upgrade head`).

    A database already at the newest revision is found so with one query, without
    loading Alembic (most of a start-up's migration time); anything else goes
    through Alembic, which also refuses a database newer than this build.
    """
    engine = create_engine(url, foreign_keys=False)
    try:
        if await _at_head(engine):
            return
        async with open_connection(engine) as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                # Several bot processes may start at once; one migrates, the rest wait.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            await connection.run_sync(_upgrade, url)
    finally:
        await engine.dispose()


_REVISION = re.compile(r"^revision(?::[^=]*)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?::[^=]*)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The newest revision of migrations/versions, read from the files' headers.

    (tests/storage/test_scores_migration.py checks it against Alembic's own answer.)
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def _at_head(engine: AsyncEngine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        async with open_connection(engine) as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = [row[0] for row in found]
    except DBAPIError:
        return False  # no alembic_version yet: a new database
    return versions == [head]


def alembic_config(url: str) -> Config:
    """An Alembic config for the repository's migrations, independent of the CWD."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser would read "%" in a URL-encoded password as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@asynccontextmanager
async def open_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection, closed on exit; a database that cannot be opened is StorageUnavailable.

    Only opening is translated: errors from statements in the block pass through.
    """
    try:
        connection = await engine.connect()
    except (DBAPIError, OSError) as err:
        reason = err.orig if isinstance(err, DBAPIError) else err
        raise StorageUnavailable(
            f"Cannot open the database {describe(engine.url)}: {reason}. Check DATABASE_URL."
        ) from err
    try:
        yield connection
    finally:
        await connection.close()


def check_writable(url: URL) -> None:
    """Raise StorageUnavailable when a SQLite database file cannot be created or written."""
    if url.get_backend_name() != "sqlite":
        return
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser().absolute()
    folder = path.parent
    problem = None
    if not folder.exists():
        problem = f"the folder {folder} does not exist"
    elif not folder.is_dir():
        problem = f"{folder} is a file, not a folder"
    # WAL keeps -wal and -shm files beside the database, so the folder must be writable.
    elif not os.access(folder, os.W_OK | os.X_OK):
        problem = f"the folder {folder} is not writable"
    elif path.is_dir():
        problem = "it is a folder"
    elif path.exists() and not os.access(path, os.R_OK | os.W_OK):
        problem = "the file is not readable and writable"
    if problem:
        raise StorageUnavailable(
            f"Cannot use the SQLite database {path}: {problem}. "
            "Set DATABASE_URL to a writable location."
        )


def describe(url: URL) -> str:
    """The database a URL names, safe to show: a SQLite path or the URL without password."""
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).expanduser().absolute())
    return url.render_as_string(hide_password=True)


def _upgrade(connection: Connection, url: str) -> None:
    from alembic import command

    config = alembic_config(url)
    check_not_newer(connection, config)
    # migrations/env.py runs on this connection instead of opening its own.
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    faults.reach("migrated")  # the crash tests stop here: upgraded, not yet committed


def check_not_newer(connection: Connection, config: Config) -> None:
    """Refuse, in one line, a database migrated by a newer studybot than this one."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(connection).get_current_heads()
    script = ScriptDirectory.from_config(config)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise StorageUnavailable(
            f"The database is at schema revision {', '.join(unknown)}, newer than this build of "
            f"studybot knows (its newest is {script.get_current_head()}). "
            "Run a newer studybot, or point DATABASE_URL at another database."
        )


def _split_search_path(url: URL) -> tuple[URL, dict[str, Any]]:
    """asyncpg session settings: the search path, and an application name that lets an
    operator (and the fault tests) tell studybot's connections apart."""
    if url.drivername != "postgresql+asyncpg":
        return url, {}
    server_settings = {"application_name": "studybot"}
    if "search_path" in url.query:
        search_path = url.query["search_path"]
        if not isinstance(search_path, str):
            search_path = ",".join(search_path)
        server_settings["search_path"] = search_path
        server_settings["application_name"] = f"studybot:{search_path}"[:63]
    return url.difference_update_query(["search_path"]), {"server_settings": server_settings}


# The units of work of each SQLite engine create_engine made (see bot.storage.sqlite).
_SQLITE_UNITS: weakref.WeakKeyDictionary[AsyncEngine, SqliteUnits] = weakref.WeakKeyDictionary()


def sqlite_units(engine: AsyncEngine) -> SqliteUnits | None:
    """The loop-driven units of a SQLite file engine made by create_engine (else None)."""
    return _SQLITE_UNITS.get(engine)


def in_a_file(url: URL) -> bool:
    database = url.database
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def _check_before_use(engine: Engine) -> None:
    """Replace a pooled Postgres connection that died (a failover, a restart) before use.

    SQLAlchemy's pre-ping costs three round trips on asyncpg (BEGIN, a ping, ROLLBACK)
    at every checkout, a third of an answer's. Here a connection the driver knows is
    closed (the server said so) is replaced without asking; one back in the pool for
    more than PING_AFTER_IDLE seconds is asked with one `SELECT 1` (simple protocol,
    so poolers in transaction mode take it too); one in use a moment ago is trusted.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver.is_closed():
            raise DisconnectionError("the server closed the connection")
        if time.monotonic() - record.info.get("returned_at", 0.0) < PING_AFTER_IDLE:
            return
        try:
            await_(driver.execute("SELECT 1"))
        except Exception as error:
            raise DisconnectionError(str(error)) from error


def _configure_sqlite(engine: Engine, *, foreign_keys: bool, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module, which skips it before SELECT and
        # SAVEPOINT; SQLAlchemy's "begin" event below emits it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Durability: FULL syncs the WAL at every commit, so a transaction that has
        # committed (an answer the learner was told counts) survives a power cut,
        # not only a crash of the process. NORMAL would be faster but may lose the
        # last commits on power loss.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()
        # SQLite knows no time zones; rebuilding weekly scores asks Python for the week.
        dbapi_connection.create_function(WEEK_FUNCTION, 2, week_of_text, deterministic=True)


def _begin_explicitly(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        driver = connection.connection.dbapi_connection
        if isinstance(driver, sqlite3.Connection) and driver.in_transaction:
            # The SQLite writer began it on the driver (bot.storage.sqlite): SQLAlchemy's
            # transaction is this one, nothing to emit.
            return
        readonly = bool(connection.get_execution_options().get(READONLY, False))
        # query_only makes a write in a read-only unit an error instead of a
        # silent grab of the write lock; it stays set per connection until changed.
        info = connection.connection.info
        if info.get(READONLY, False) != readonly:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if readonly else 'OFF'}")
            info[READONLY] = readonly
        # A deferred BEGIN never takes the write lock, so readers never block writers
        # (WAL gives them a snapshot). Writers begin IMMEDIATE: a deferred transaction
        # that reads and then writes fails at once with "database is locked" when
        # another writer committed in between; this way it waits on busy_timeout.
        begin = "BEGIN" if readonly else "BEGIN IMMEDIATE"
        if not isinstance(driver, sqlite3.Connection):
            connection.exec_driver_sql(begin)  # aiosqlite (migrations, the engine's tests)
            return
        # A unit's own connection (bot.storage.sqlite): straight to sqlite3. Through
        # SQLAlchemy's execution the BEGIN cost several times the indexed statements of
        # an answer; failing, it raises what SQLAlchemy would ("database is locked").
        try:
            driver.execute(begin)
        except sqlite3.Error as error:
            raise DBAPIError.instance(begin, (), error, sqlite3.Error) from error
