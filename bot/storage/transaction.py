"""The base of a unit of work: one open connection and the helpers every store shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import ReturningInsert

from bot.storage.connection import Db


class Transaction:
    """Statements on one open transaction.

    Inserts that may lose a race run in a SAVEPOINT, so a unique-constraint
    conflict rolls back only that insert and the unit stays usable.
    """

    def __init__(self, db: Db) -> None:
        self._db = db
        # Tenant zones this unit has read: an answer's week needs its tenant's zone,
        # and the use case has just read the tenant.
        self._zones: dict[int, str] = {}

    def _in_code_point_order(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """Text ordered by code point on every backend, whatever the database's locale.

        SQLite compares bytes already; Postgres follows its collation unless told "C".
        """
        if self._db.dialect.name == "postgresql":
            return column.collate("C")
        return column

    async def _rows(self, query: Select[Any], parameters: Any = None) -> list[Any]:
        return list(await self._db.execute(query, parameters))

    async def _first(self, query: Select[Any], parameters: Any = None) -> Row[Any] | None:
        row: Row[Any] | None = (await self._db.execute(query, parameters)).first()
        return row

    async def _insert_or_none(self, statement: ReturningInsert[Any]) -> Row[Any] | None:
        """The RETURNING row of an insert, or None when it hit a unique constraint."""
        try:
            async with self._db.begin_nested():
                row: Row[Any] = (await self._db.execute(statement)).one()
        except IntegrityError:
            return None
        return row
