"""The base of a unit of work: one open connection and the helpers every store shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import ReturningInsert


class Transaction:
    """Statements on one open transaction.

    Inserts that may lose a race run in a SAVEPOINT, so a unique-constraint
    conflict rolls back only that insert and the unit stays usable.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    def _in_code_point_order(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """Text ordered by code point on every backend, whatever the database's locale.

        SQLite compares bytes already; Postgres follows its collation unless told "C".
        """
        if self._db.dialect.name == "postgresql":
            return column.collate("C")
        return column

    async def _rows(self, query: Select[Any]) -> list[Any]:
        return list(await self._db.execute(query))

    async def _first(self, query: Select[Any]) -> Row[Any] | None:
        row: Row[Any] | None = (await self._db.execute(query)).first()
        return row

    async def _insert_or_none(self, statement: ReturningInsert[Any]) -> Row[Any] | None:
        """The RETURNING row of an insert, or None when it hit a unique constraint."""
        try:
            async with self._db.begin_nested():
                row: Row[Any] = (await self._db.execute(statement)).one()
        except IntegrityError:
            return None
        return row
