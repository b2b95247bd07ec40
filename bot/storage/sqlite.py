"""SQLite units of work: statements inline on the event loop, writes committed in groups.

Why: through aiosqlite every statement is a round trip to a worker thread, and
an answer took a dozen of them; a thread hop costs more than the indexed
statement itself. Here a unit's statements run on a plain `sqlite3` connection
from the event loop, and only what can wait runs in a worker thread: COMMIT
(its fsync) and statements marked long.

Reads: a read-only unit takes an idle read connection (opening one when none is
idle), begins a deferred, query-only transaction and never touches the write
lock; WAL gives it a snapshot, so it neither waits for writers nor holds them up.

Writes: SQLite lets one transaction write at a time. The write units of one
engine queue, first come first served, on a `Writer` (one per event loop). The
writer opens one transaction (BEGIN IMMEDIATE), runs the queued units in it one
after another, each inside a SAVEPOINT (a unit that raises rolls back to it and
leaves the others' work alone), and COMMITs when the queue is empty or the batch
is full. Each unit returns only after the COMMIT of its batch has returned: with
synchronous=FULL the answer is then on disk, so nothing a learner was told
counts can be lost by a crash or a power cut. While one batch's COMMIT waits for
its fsync, new units gather for the next: one fsync serves a whole burst of
answers (group commit). If the COMMIT fails, every unit of the batch fails with
it, none having been told anything else.

Another process holding the write lock: BEGIN IMMEDIATE is tried without
blocking and retried with short sleeps until the busy timeout runs out, so the
event loop never blocks on a lock.

The writer's transactions are begun and committed on the driver itself, not
through SQLAlchemy's (see _Transaction), and its connection keeps the tenant,
post and learner rows it has read for later units (bot.storage.cache): on a
quiet server an answer is then one SELECT, four writes and its COMMIT.
"""

from __future__ import annotations

import asyncio
import enum
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import NullPool

from bot.storage.cache import INFO_KEY, RowCache, drop_kept_rows
from bot.storage.connection import LoopDb

BATCH_UNITS = 256  # at most this many units share one COMMIT
BATCH_SECONDS = 0.05  # nor does a batch take in new units for longer than this
IDLE_READERS = 8  # read connections kept open between read units
# COMMIT runs inline while it has lately taken less than this, else in a worker thread
INLINE_COMMIT_SECONDS = 0.002


class Outcome(enum.Enum):
    KEPT = "kept"  # the unit's work stays in the batch
    UNDONE = "undone"  # the unit raised; its savepoint was rolled back
    FIRST_FAILED = "first failed"  # the batch's first unit (no savepoint) raised: roll back
    BROKEN = "broken"  # even the rollback failed: the whole batch must not commit


@dataclass(eq=False)
class Turn:
    """One write unit's place in the queue."""

    # set by the writer: the unit may run now (on this connection; in a savepoint or not)
    go: asyncio.Future[tuple[Connection, bool]]
    # set by the unit: how it ended, and the error that broke the batch if it did
    finished: asyncio.Future[tuple[Outcome, BaseException | None]] = field(init=False)
    committed: asyncio.Future[None] = field(init=False)  # set by the writer after COMMIT

    def __post_init__(self) -> None:
        loop = self.go.get_loop()
        self.finished = loop.create_future()
        self.committed = loop.create_future()


class SqliteUnits:
    """The units of work of one SQLite database file (one per AsyncEngine)."""

    def __init__(
        self,
        url: URL,
        source: Engine,
        begin: Callable[[Engine], None],
        busy_timeout_ms: int,
    ) -> None:
        self.engine: Engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            poolclass=NullPool,
            # COMMIT runs in a worker thread, never while the loop uses the connection
            connect_args={"check_same_thread": False},
        )

        @event.listens_for(self.engine, "connect")
        def _as_the_source_does(dbapi_connection: Any, record: Any) -> None:
            # Every "connect" listener of the engine these units belong to (WAL,
            # synchronous=FULL, foreign keys, the busy timeout; a test's fault) sets up
            # our connections too; the source's current pool holds them (see dispose).
            source.pool.dispatch.connect(dbapi_connection, record)

        # Statement events too, so what watches the source engine sees every statement.
        @event.listens_for(self.engine, "before_cursor_execute")
        def _before(*args: Any) -> None:
            source.dispatch.before_cursor_execute(*args)

        @event.listens_for(self.engine, "after_cursor_execute")
        def _after(*args: Any) -> None:
            source.dispatch.after_cursor_execute(*args)

        # A rollback may undo what kept rows were read after (bot.storage.cache).
        @event.listens_for(self.engine, "rollback")
        def _rolled_back(connection: Connection) -> None:
            drop_kept_rows(connection.info)

        @event.listens_for(self.engine, "rollback_savepoint")
        def _rolled_back_to(connection: Connection, *_: Any) -> None:
            drop_kept_rows(connection.info)

        begin(self.engine)
        self.busy_timeout = busy_timeout_ms / 1000
        self._readers: list[Connection] = []
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Writer] = (
            weakref.WeakKeyDictionary()
        )
        self._open: weakref.WeakSet[Connection] = weakref.WeakSet()

    def connect(self, readonly: bool) -> Connection:
        connection = self.engine.connect()
        connection.execution_options(studybot_readonly=readonly)
        self._open.add(connection)
        return connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[LoopDb]:
        # Nothing below waits, so a caller reading in a loop would never let another
        # task run: every read unit gives the loop one turn first.
        await asyncio.sleep(0)
        connection = self._readers.pop() if self._readers else self.connect(readonly=True)
        try:
            transaction = connection.begin()
            try:
                yield LoopDb(connection)
            finally:
                transaction.rollback()  # it wrote nothing: ending it is all that is left
        except BaseException:
            connection.close()
            raise
        if len(self._readers) < IDLE_READERS:
            self._readers.append(connection)
        else:
            connection.close()

    def write(self) -> Any:
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            writer = self._writers[loop] = Writer(self)
        return writer.unit()

    def close(self) -> None:
        """Close every connection (the AsyncEngine was disposed)."""
        self._readers.clear()
        for connection in list(self._open):
            connection.close()
        self.engine.dispose()


class Writer:
    """The write units of one database on one event loop, committed in groups.

    A unit that finds the writer idle runs at once in a transaction of its own (the
    common case of a quiet server: no hand-over to another task). Units that arrive
    while one runs queue, and a writer task serves them in batches. The first unit of
    a transaction needs no savepoint (if it fails, the transaction is rolled back
    whole); later ones run in one.
    """

    def __init__(self, units: SqliteUnits) -> None:
        self._units = units
        self._queue: deque[Turn] = deque()
        self._running = False  # a unit runs alone, or the writer task serves the queue
        self._task: asyncio.Task[None] | None = None
        self._holder: asyncio.Task[Any] | None = None  # the task whose unit runs now
        self._connection: Connection | None = None
        self._driver: sqlite3.Connection | None = None  # the DBAPI connection under it
        self._rows = RowCache()  # what self._connection keeps (bot.storage.cache)
        self._sync_seconds = 0.0  # how long COMMIT has taken lately (a moving average)

    def unit(self) -> AbstractAsyncContextManager[LoopDb]:
        me = asyncio.current_task()
        if me is not None and me is self._holder:
            raise RuntimeError("a write unit was opened inside another write unit")
        if self._running or self._queue:
            return self._queued(me)
        return _Alone(self, me)

    def _failed(self, connection: Connection, transaction: _Transaction) -> None:
        """After a failed COMMIT: roll back, or give up on a connection that cannot."""
        try:
            transaction.rollback()
        except Exception:
            connection.invalidate()
            self._connection = None

    def _idle(self) -> None:
        self._running = False
        self._kick()

    def _kick(self) -> None:
        if self._queue and not self._running:
            self._running = True
            self._task = asyncio.get_running_loop().create_task(self._serve())

    @asynccontextmanager
    async def _queued(self, me: asyncio.Task[Any] | None) -> AsyncIterator[LoopDb]:
        loop = asyncio.get_running_loop()
        turn = Turn(loop.create_future())
        self._queue.append(turn)
        self._kick()
        try:
            connection, in_savepoint = await turn.go
        except BaseException:
            if turn.go.done() and not turn.go.cancelled() and turn.go.exception() is None:
                turn.finished.set_result((Outcome.KEPT, None))  # it came as we were cancelled
            else:
                turn.go.cancel()  # the writer skips a cancelled turn
            raise
        self._holder = me
        savepoint = connection.begin_nested() if in_savepoint else None
        try:
            yield LoopDb(connection, self._rows)
        except BaseException as error:
            self._holder = None
            if savepoint is None:
                turn.finished.set_result((Outcome.FIRST_FAILED, None))
                raise
            try:
                savepoint.rollback()
            except Exception:
                # SQLite rolls a whole transaction back by itself on some errors (a full
                # disk): the batch cannot go on, and its units learn this unit's error.
                turn.finished.set_result((Outcome.BROKEN, error))
                raise error from None
            turn.finished.set_result((Outcome.UNDONE, None))
            if isinstance(error, Exception):
                # Report the failure only once the batch's fate is known: an error that
                # relied on earlier units of the batch (AlreadyAnswered) must not stand
                # if their COMMIT failed.
                await asyncio.shield(turn.committed)
            raise
        else:
            self._holder = None
            try:
                if savepoint is not None:
                    savepoint.commit()
            except Exception as error:
                turn.finished.set_result((Outcome.BROKEN, error))
                raise
            turn.finished.set_result((Outcome.KEPT, None))
            await asyncio.shield(turn.committed)

    async def _serve(self) -> None:
        """Batches until the queue is empty; the next unit to arrive starts it again."""
        try:
            while self._queue:
                await self._batch()
        finally:
            self._running = False
            self._task = None
            for turn in self._queue:  # only when this task itself was cancelled
                if not turn.go.done():
                    turn.go.set_exception(RuntimeError("the SQLite writer stopped"))

    async def _batch(self) -> None:
        connection = self._connect()
        try:
            transaction = await self._begin(connection)
        except Exception as error:
            turn = self._next()
            if turn is not None:
                turn.go.set_exception(error)
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        batch: list[Turn] = []
        broken: BaseException | None = None
        while len(batch) < BATCH_UNITS and loop.time() - started < BATCH_SECONDS:
            turn = self._next()
            if turn is None:
                break
            turn.go.set_result((connection, bool(batch)))
            outcome, broken = await asyncio.shield(turn.finished)
            if outcome is Outcome.FIRST_FAILED:
                transaction.rollback()  # it held only that unit's work
                transaction = await self._begin(connection)
                continue
            batch.append(turn)
            if outcome is Outcome.BROKEN:
                break
        if not batch:
            transaction.rollback()
            return
        try:
            if broken is not None:
                raise broken
            syncing = self._commit(transaction)
            if syncing is not None:
                await asyncio.shield(syncing)
        except BaseException as error:
            self._failed(connection, transaction)
            failure = error if isinstance(error, Exception) else RuntimeError("commit cancelled")
            for turn in batch:
                turn.committed.set_exception(failure)
                turn.committed.exception()  # retrieved: a cancelled unit may never look
            if not isinstance(error, Exception):
                raise
        else:
            for turn in batch:
                turn.committed.set_result(None)

    def _commit(self, transaction: _Transaction) -> asyncio.Future[None] | None:
        """COMMIT, and with synchronous=FULL the fsync of the WAL.

        On a disk that syncs in well under a millisecond a round trip to a worker
        thread costs more than the COMMIT itself, so it runs inline (and returns None,
        or raises); when COMMITs have lately been slower it runs in a worker thread and
        the loop serves others: await the future returned.
        """
        if self._sync_seconds < INLINE_COMMIT_SECONDS:
            self._timed_commit(transaction)
            return None
        return asyncio.ensure_future(asyncio.to_thread(self._timed_commit, transaction))

    def _timed_commit(self, transaction: _Transaction) -> None:
        began = time.perf_counter()
        try:
            transaction.commit()
        finally:
            took = time.perf_counter() - began
            self._sync_seconds += (took - self._sync_seconds) * 0.2

    def _connect(self) -> Connection:
        connection = self._connection
        if connection is None or connection.closed:
            connection = self._connection = self._units.connect(readonly=False)
            driver = connection.connection.dbapi_connection
            assert isinstance(driver, sqlite3.Connection)
            self._driver = driver
            # BEGIN IMMEDIATE must not block the loop: we retry it ourselves (below)
            driver.execute("PRAGMA busy_timeout=0")
            self._rows = connection.info[INFO_KEY] = RowCache()
        return connection

    def _next(self) -> Turn | None:
        while self._queue:
            turn = self._queue.popleft()
            if not turn.go.cancelled():
                return turn
        return None

    async def _begin(self, connection: Connection) -> _Transaction:
        """BEGIN IMMEDIATE without blocking the loop: while another process writes, retry."""
        driver = self._driver
        assert driver is not None
        deadline = time.monotonic() + self._units.busy_timeout
        pause = 0.001
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                locked = "locked" in str(error).lower() or "busy" in str(error).lower()
                if not locked or time.monotonic() > deadline:
                    raise _as_sqlalchemy("BEGIN IMMEDIATE", error) from error
            else:
                # kept rows are good only if no other connection committed since
                self._rows.check(driver)
                return _Transaction(connection, driver, self._rows)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)


class _Alone:
    """A unit that found the writer idle: its own transaction, begun and committed here.

    (The path of every answer on a quiet server, so a class rather than a generator.)
    """

    __slots__ = ("_me", "_transaction", "_writer")

    def __init__(self, writer: Writer, me: asyncio.Task[Any] | None) -> None:
        self._writer = writer
        self._me = me

    async def __aenter__(self) -> LoopDb:
        writer = self._writer
        writer._running = True
        try:
            connection = writer._connect()
            self._transaction = await writer._begin(connection)
        except BaseException:
            writer._idle()
            raise
        writer._holder = self._me
        return LoopDb(connection, writer._rows, writer._driver)

    async def __aexit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        writer = self._writer
        writer._holder = None
        transaction = self._transaction
        syncing: asyncio.Future[None] | None = None
        try:
            if error is not None:
                transaction.rollback()  # nothing to sync: it is quick
                return
            try:
                syncing = writer._commit(transaction)
                if syncing is not None:
                    await asyncio.shield(syncing)
            except Exception:
                writer._failed(transaction.connection, transaction)
                raise
        finally:
            if syncing is None or syncing.done():
                writer._idle()
            else:  # cancelled while its COMMIT goes on in a thread: idle once it ends
                syncing.add_done_callback(lambda _: writer._idle())


class _Transaction:
    """One transaction of the writer's connection, begun on the driver.

    SQLAlchemy's transaction machinery costs more than an answer's BEGIN and COMMIT,
    and most units run only prepared statements, straight on the driver. A unit that
    runs a statement through SQLAlchemy or opens a savepoint makes SQLAlchemy begin
    its own transaction over this one (its "begin" event finds the driver's open and
    emits nothing, see engine.py); the transaction is then ended through SQLAlchemy.
    """

    __slots__ = ("_driver", "_rows", "connection")

    def __init__(self, connection: Connection, driver: sqlite3.Connection, rows: RowCache) -> None:
        self.connection = connection
        self._driver = driver
        self._rows = rows

    def commit(self) -> None:
        if self.connection.get_transaction() is not None:
            self.connection.commit()
            return
        try:
            self._driver.commit()
        except sqlite3.Error as error:
            raise _as_sqlalchemy("COMMIT", error) from error

    def rollback(self) -> None:
        self._rows.drop()  # rows read in this transaction may never have been committed
        if self.connection.get_transaction() is not None:
            self.connection.rollback()
        if self._driver.in_transaction:
            try:
                self._driver.rollback()
            except sqlite3.Error as error:
                raise _as_sqlalchemy("ROLLBACK", error) from error


def _as_sqlalchemy(statement: str, error: sqlite3.Error) -> StatementError:
    """The error SQLAlchemy would have raised (OperationalError for a locked database)."""
    return DBAPIError.instance(statement, (), error, sqlite3.Error)
