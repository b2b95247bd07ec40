"""The Repository port over SQLAlchemy Core. All of studybot's SQL lives in bot/storage."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.errors import StorageBusy
from bot.core.ports import Unit
from bot.storage.answers import AnswerTables
from bot.storage.cards import CardTables
from bot.storage.deliveries import DeliveryTables
from bot.storage.engine import READONLY, open_connection
from bot.storage.learners import LearnerTables
from bot.storage.posts import PostTables
from bot.storage.questions import QuestionTables
from bot.storage.reviews import ReviewTables
from bot.storage.rounds import RoundTables
from bot.storage.schedules import ScheduleTables
from bot.storage.tenants import TenantTables

log = logging.getLogger(__name__)


class _WriterQueue:
    """SQLite's one writer at a time, as a FIFO asyncio.Lock that knows its holder."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        me = asyncio.current_task()
        if me is not None and me is self._holder:
            # It would wait for the lock its own task holds, forever.
            raise RuntimeError("a write unit was opened inside another write unit")
        async with self._lock:
            self._holder = me
            try:
                yield
            finally:
                self._holder = None


# One queue of writers per SQLite engine (and event loop), shared by every SqlRepository on it.
_WRITERS: weakref.WeakKeyDictionary[AsyncEngine, _WriterQueue] = weakref.WeakKeyDictionary()


class SqlRepository:
    """Opens units of work on an engine; the engine's owner disposes of it.

    SQLite lets one transaction write at a time. Rather than have concurrent
    writers of this process spin on the busy timeout (and fail with "database is
    locked" when it runs out), write units of one engine wait their turn on an
    asyncio.Lock, first come first served. Read-only units skip the queue and
    never take the write lock. A task must not open a write unit inside its own
    write unit (refused at once: it would wait for itself).
    On Postgres every unit runs at once; row locks and constraints decide.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._queue_writers = engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def unit(self, readonly: bool = False) -> AsyncIterator[Unit]:
        """One connection and transaction: commit on normal exit, roll back on error.

        A read-only unit cannot write (SQLite: query_only; Postgres: READ ONLY).
        """
        turn: AbstractAsyncContextManager[object] = (
            _writer_queue(self._engine).turn()
            if self._queue_writers and not readonly
            else nullcontext()
        )
        try:
            async with turn, open_connection(self._engine) as connection:
                if readonly:
                    await connection.execution_options(
                        **{READONLY: True, "postgresql_readonly": True}
                    )
                async with connection.begin():
                    yield SqlUnit(connection)
        except OperationalError as error:
            reason = _busy_reason(error)
            if reason is None or (readonly and _wrote_in_readonly_unit(error)):
                # A write in a read-only unit is a bug in the caller, not a full disk.
                raise
            log.warning("a unit of work failed: %s", error.orig)
            raise StorageBusy(reason) from error


_BUSY = {
    "database is locked": "it is busy with another write",
    "database or disk is full": "the disk is full",
    "disk i/o error": "the disk could not be written",
    "readonly database": "the database file is read-only",
    "no space left": "the disk is full",
}


def _busy_reason(error: OperationalError) -> str | None:
    """What a user should hear about a database that cannot write now; None for other errors."""
    text = str(error.orig).lower()
    return next((reason for key, reason in _BUSY.items() if key in text), None)


def _wrote_in_readonly_unit(error: OperationalError) -> bool:
    """SQLite's answer to a write under query_only (the file itself may be writable)."""
    return "readonly database" in str(error.orig).lower()


def _writer_queue(engine: AsyncEngine) -> _WriterQueue:
    """The engine's writer queue on the running loop (a lock belongs to one loop)."""
    loop = asyncio.get_running_loop()
    queue = _WRITERS.get(engine)
    if queue is None or queue.loop is not loop:
        queue = _WRITERS[engine] = _WriterQueue(loop)
    return queue


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
