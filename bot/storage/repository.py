"""The Repository port over SQLAlchemy Core. All of studybot's SQL lives in bot/storage."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.errors import StorageBusy
from bot.core.ports import Unit
from bot.storage.answers import AnswerTables
from bot.storage.cards import CardTables
from bot.storage.connection import AsyncDb, Db
from bot.storage.deliveries import DeliveryTables
from bot.storage.engine import (
    POOL_OVERFLOW,
    POOL_SIZE,
    READONLY,
    open_connection,
    sqlite_units,
)
from bot.storage.learners import LearnerTables
from bot.storage.posts import PostTables
from bot.storage.questions import QuestionTables
from bot.storage.reviews import ReviewTables
from bot.storage.rounds import RoundTables
from bot.storage.schedules import ScheduleTables
from bot.storage.tenants import TenantTables

log = logging.getLogger(__name__)


class SqlRepository:
    """Opens units of work on an engine; the engine's owner disposes of it.

    On a SQLite file, units run on connections driven from the event loop and
    write units are committed in groups by one writer per engine and loop (see
    bot.storage.sqlite): read-only units never take the write lock, and a task
    must not open a write unit inside its own write unit (refused at once: it
    would wait for itself). On Postgres units run at once, each on a connection of
    its own (as many as the pool holds, then first come first served); row locks
    and constraints decide.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = sqlite_units(engine)

    def unit(self, readonly: bool = False) -> AbstractAsyncContextManager[Unit]:
        """One transaction: commit on normal exit, roll back on error.

        A read-only unit cannot write (SQLite: query_only; Postgres: READ ONLY).
        A write unit returns only once its COMMIT has returned. A database that cannot
        write now (locked past the busy timeout, a full disk) raises StorageBusy.
        """
        if self._sqlite is not None:
            return _SqliteUnit(self._sqlite.read() if readonly else self._sqlite.write(), readonly)
        return self._postgres_unit(readonly)

    @asynccontextmanager
    async def _postgres_unit(self, readonly: bool) -> AsyncIterator[Unit]:
        try:
            async with _slots(self._engine).slot(), open_connection(self._engine) as connection:
                if readonly:
                    await connection.execution_options(
                        **{READONLY: True, "postgresql_readonly": True}
                    )
                async with connection.begin():
                    yield SqlUnit(AsyncDb(connection))
        except OperationalError as error:
            busy = _busy(error, readonly)
            if busy is None:
                raise
            raise busy from error


class _SqliteUnit:
    """A SQLite unit (bot.storage.sqlite) as a Unit; a class rather than a generator, as
    it is the path of every answer."""

    __slots__ = ("_inner", "_readonly")

    def __init__(self, inner: AbstractAsyncContextManager[Db], readonly: bool) -> None:
        self._inner = inner
        self._readonly = readonly

    async def __aenter__(self) -> Unit:
        try:
            db = await self._inner.__aenter__()
        except OperationalError as error:
            busy = _busy(error, self._readonly)
            if busy is None:
                raise
            raise busy from error
        return SqlUnit(db)

    async def __aexit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        try:
            await self._inner.__aexit__(kind, error, traceback)
        except OperationalError as failure:  # the COMMIT, or the unit's own error again
            busy = _busy(failure, self._readonly)
            if busy is None:
                raise
            raise busy from failure
        if isinstance(error, OperationalError):
            busy = _busy(error, self._readonly)
            if busy is not None:
                raise busy from error


class _Slots:
    """At most `size` units of an engine at once, granted in the order they asked.

    SQLAlchemy's async pool hands a returned connection to whichever task asks next,
    so under load a waiting unit can be overtaken again and again (seconds, at a
    hundred concurrent answers). Waiting here instead, first come first served, keeps
    every wait about as long as the queue ahead of it. A task's nested unit takes no
    second slot (it would wait for itself).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self._free = asyncio.Semaphore(size)
        self._held: dict[asyncio.Task[Any], int] = {}

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        if task in self._held:
            self._held[task] += 1
            try:
                yield
            finally:
                self._held[task] -= 1
            return
        async with self._free:
            self._held[task] = 1
            try:
                yield
            finally:
                del self._held[task]


_SLOTS: weakref.WeakKeyDictionary[AsyncEngine, _Slots] = weakref.WeakKeyDictionary()


def _slots(engine: AsyncEngine) -> _Slots:
    loop = asyncio.get_running_loop()
    found = _SLOTS.get(engine)
    if found is None or found.loop is not loop:
        # the pool's connections, but one: the scheduler leader keeps one for its lock
        found = _SLOTS[engine] = _Slots(loop, max(1, POOL_SIZE + POOL_OVERFLOW - 1))
    return found


_BUSY = {
    "database is locked": "it is busy with another write",
    "database or disk is full": "the disk is full",
    "disk i/o error": "the disk could not be written",
    "readonly database": "the database file is read-only",
    "no space left": "the disk is full",
}


def _busy(error: OperationalError, readonly: bool) -> StorageBusy | None:
    """StorageBusy for a database that cannot write now; None for any other error."""
    reason = _busy_reason(error)
    if reason is None or (readonly and _wrote_in_readonly_unit(error)):
        # A write in a read-only unit is a bug in the caller, not a full disk.
        return None
    log.warning("a unit of work failed: %s", error.orig)
    return StorageBusy(reason)


def _busy_reason(error: OperationalError) -> str | None:
    """What a user should hear about a database that cannot write now; None for other errors."""
    text = str(error.orig).lower()
    return next((reason for key, reason in _BUSY.items() if key in text), None)


def _wrote_in_readonly_unit(error: OperationalError) -> bool:
    """SQLite's answer to a write under query_only (the file itself may be writable)."""
    return "readonly database" in str(error.orig).lower()


class SqlUnit(
    TenantTables,
    LearnerTables,
    QuestionTables,
    CardTables,
    AnswerTables,
    PostTables,
    ScheduleTables,
    RoundTables,
    ReviewTables,
    DeliveryTables,
):
    """The Unit port on one open transaction."""


def _check_protocol(unit: SqlUnit) -> Unit:
    """Never called: lets mypy prove SqlUnit satisfies the port."""
    return unit
