"""The connection a unit of work's statements run on.

Postgres units run on SQLAlchemy's AsyncConnection (asyncpg). SQLite units run
on a plain synchronous connection driven from the event loop itself: SQLite
answers an indexed statement in microseconds, less than one round trip to a
worker thread costs, so statements run inline; what may wait (taking the write
lock, COMMIT with its fsync, a long rebuild) runs in a worker thread instead
(see bot.storage.sqlite).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from bot.storage.cache import RowCache
from bot.storage.prepared import Compiled, Prepared, run_on_asyncpg, run_on_sqlite


class Db(Protocol):
    """What the stores need of a connection inside an open transaction."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]: ...

    async def execute_long(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        """A statement that may run for long (a rebuild): never on the event loop."""
        ...

    def begin_nested(self) -> AbstractAsyncContextManager[object]:
        """A SAVEPOINT: leaving the block releases it, an error rolls back to it."""
        ...

    async def first(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        """The first row of a prepared SELECT (attributes by column name), or None."""
        ...

    async def all(self, statement: Prepared, parameters: dict[str, Any]) -> list[Any]:
        """Every row of a prepared SELECT (attributes by column name)."""
        ...

    async def scalar(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        """The first column of the first row (a RETURNING id), or None."""
        ...

    async def run(self, statement: Prepared, parameters: dict[str, Any]) -> None: ...


class AsyncDb:
    """An AsyncConnection (Postgres; SQLite only in migrations and tests of the engine).

    Once SQLAlchemy has begun the unit's transaction on the connection (its first
    statement), prepared statements go straight to asyncpg, inside that transaction:
    SQLAlchemy's own execution costs more than the round trip they make.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._driver: Any = None  # the asyncpg connection, once the transaction has begun

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        result: CursorResult[Any] = await self._connection.execute(statement, parameters)
        if self._driver is None and self.dialect.name == "postgresql":
            self._driver = (await self._connection.get_raw_connection()).driver_connection
        return result

    async def execute_long(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        return await self.execute(statement, parameters)

    def begin_nested(self) -> AbstractAsyncContextManager[object]:
        return self._connection.begin_nested()

    async def first(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        if self._driver is None:
            row = (await self.execute(statement.statement, parameters)).first()
            return None if row is None else statement.shaped(row)
        compiled = statement.compiled(self.dialect)
        found = await run_on_asyncpg(self._driver, "fetchrow", compiled, parameters)
        assert compiled.row is not None
        return None if found is None else compiled.row(found)

    async def all(self, statement: Prepared, parameters: dict[str, Any]) -> list[Any]:
        if self._driver is None:
            rows = (await self.execute(statement.statement, parameters)).all()
            return [statement.shaped(row) for row in rows]
        compiled = statement.compiled(self.dialect)
        found = await run_on_asyncpg(self._driver, "fetch", compiled, parameters)
        assert compiled.row is not None
        return [compiled.row(row) for row in found]

    async def scalar(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        if self._driver is None:
            return (await self.execute(statement.statement, parameters)).scalar()
        compiled = statement.compiled(self.dialect)
        return await run_on_asyncpg(self._driver, "fetchval", compiled, parameters)

    async def run(self, statement: Prepared, parameters: dict[str, Any]) -> None:
        if self._driver is None:
            await self.execute(statement.statement, parameters)
            return
        compiled = statement.compiled(self.dialect)
        await run_on_asyncpg(self._driver, "execute", compiled, parameters)


class LoopDb:
    """A synchronous SQLite connection used from the event loop (see the module doc).

    A write unit's LoopDb carries its connection's kept rows (bot.storage.cache):
    cacheable reads are answered from them, and writes that may change them drop them.
    """

    def __init__(
        self,
        connection: Connection,
        rows: RowCache | None = None,
        driver: sqlite3.Connection | None = None,  # the connection's own, when known
    ) -> None:
        self._connection = connection
        if driver is None:
            driver = connection.connection.dbapi_connection  # type: ignore[assignment]
        assert isinstance(driver, sqlite3.Connection)
        self._driver: sqlite3.Connection = driver
        self._rows: RowCache | None = rows

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        if self._rows is not None and not isinstance(statement, Select):
            self._rows.drop()
        return self._connection.execute(statement, parameters)

    async def execute_long(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        if self._rows is not None:
            self._rows.drop()
        result = await asyncio.to_thread(self._connection.execute, statement, parameters)
        return result

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[object]:
        savepoint = self._connection.begin_nested()
        try:
            yield savepoint
        except BaseException:
            savepoint.rollback()
            raise
        else:
            savepoint.commit()

    # Prepared statements skip SQLAlchemy's execution and go straight to sqlite3.

    async def first(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        compiled = statement.compiled(self.dialect)
        rows = self._rows
        if rows is None or not statement.cacheable:
            return self._first(compiled, parameters)
        key = (statement, compiled.given(parameters))
        found = rows.get(key)
        if found is None:
            found = self._first(compiled, parameters)
            if found is not None:
                rows.keep(key, found)
        return found

    def _first(self, compiled: Compiled, parameters: dict[str, Any]) -> Any | None:
        found = run_on_sqlite(self._driver, compiled, parameters).fetchone()
        assert compiled.row is not None
        return None if found is None else compiled.row(found)

    async def all(self, statement: Prepared, parameters: dict[str, Any]) -> list[Any]:
        compiled = statement.compiled(self.dialect)
        found = run_on_sqlite(self._driver, compiled, parameters).fetchall()
        assert compiled.row is not None
        return [compiled.row(row) for row in found]

    async def scalar(self, statement: Prepared, parameters: dict[str, Any]) -> Any | None:
        self._written(statement)
        compiled = statement.compiled(self.dialect)
        found = run_on_sqlite(self._driver, compiled, parameters).fetchone()
        return None if found is None else found[0]

    async def run(self, statement: Prepared, parameters: dict[str, Any]) -> None:
        self._written(statement)
        run_on_sqlite(self._driver, statement.compiled(self.dialect), parameters).fetchall()

    def _written(self, statement: Prepared) -> None:
        if self._rows is not None and statement.drops_cache:
            self._rows.drop()
