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
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


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


class AsyncDb:
    """An AsyncConnection (Postgres; SQLite only in migrations and tests of the engine)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        result: CursorResult[Any] = await self._connection.execute(statement, parameters)
        return result

    async def execute_long(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        return await self.execute(statement, parameters)

    def begin_nested(self) -> AbstractAsyncContextManager[object]:
        return self._connection.begin_nested()


class LoopDb:
    """A synchronous SQLite connection used from the event loop (see the module doc)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def execute_long(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
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
