"""Statements of the answer path, built once and, on SQLite, run straight on the cursor.

An answer runs eight statements. Built anew each time, a SQLAlchemy statement
costs about 100 µs before SQLite sees it; built once, about 25 µs; handed to the
`sqlite3` cursor as the SQL SQLAlchemy compiled for it, a few µs. A `Prepared`
keeps that compiled form per dialect, with the bind and result conversions of
its column types (so an instant is still stored and read as UtcDateTime does).
On Postgres it goes to asyncpg the same way once the unit's transaction has begun
(bot.storage.connection.AsyncDb).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from operator import itemgetter
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import Date, TypeDecorator

from bot.storage.tables import UtcDateTime

Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # bound parameter names, in placeholder order
    binds: tuple[Convert, ...]
    defaults: dict[str, Any]  # values the statement carries itself (LIMIT's OFFSET 0)
    row: Callable[[Sequence[Any]], Any] | None  # raw row -> a row with typed attributes
    # the given parameters in placeholder order (a tuple, or the value itself for one)
    given: Callable[[dict[str, Any]], Any]
    converted: tuple[int, ...]  # positions whose column type converts the value


# The tables whose rows a SQLite write connection may keep between units (see
# bot.storage.cache): a Prepared reading them may be `cacheable`; one writing them
# drops what was kept.
CACHEABLE_TABLES = frozenset({"tenants", "posts", "learners"})


class Prepared:
    """A statement with bound parameters, compiled once per dialect.

    `record`: what a SELECT's rows become (a core record) before they are returned.
    `cacheable`: a SELECT of at most one row by key from CACHEABLE_TABLES, which a
    SQLite write connection may answer from the rows it has kept.
    """

    def __init__(
        self,
        statement: Executable,
        *,
        record: Callable[[Any], Any] | None = None,
        cacheable: bool = False,
    ) -> None:
        self.statement = statement
        self.record = record
        self._compiled: dict[str, Compiled] = {}
        # Whether running it must drop the rows a write connection kept: an INSERT,
        # UPDATE or DELETE of a cacheable table does (answers, cards, scores do not). A
        # SELECT does not; one with data-modifying CTEs runs on Postgres only, which
        # keeps no rows.
        if isinstance(statement, UpdateBase):
            written = getattr(statement.table, "name", None)
            self.drops_cache = written is None or written in CACHEABLE_TABLES
        else:
            self.drops_cache = not isinstance(statement, Select)
        if cacheable:
            assert isinstance(statement, Select), "only a SELECT can be answered from kept rows"
            tables = {table.name for table in statement.get_final_froms()}  # type: ignore[attr-defined]
            assert tables <= CACHEABLE_TABLES, tables
        self.cacheable = cacheable

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.statement, dialect, self.record)
        return found

    def shaped(self, row: Any) -> Any:
        """A row SQLAlchemy returned, as the statement's rows are returned."""
        return row if self.record is None else self.record(row)


def _compile(
    statement: Executable, dialect: Dialect, record: Callable[[Any], Any] | None
) -> Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())
    binds = tuple(_bind(compiled.binds[name].type, dialect) for name in names)
    row = None
    if isinstance(statement, Select):
        columns = list(statement.selected_columns)
        shape = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
        results = [_result(c.type, dialect) for c in columns]
        made: Callable[[Any], Any] = record or (lambda found: found)

        def row(values: Sequence[Any]) -> Any:
            return made(shape(*(f(v) if f else v for f, v in zip(results, values, strict=True))))

    defaults = {name: compiled.binds[name].value for name in names}
    given = itemgetter(*names) if names else (lambda _: ())
    converted = tuple(i for i, bind in enumerate(binds) if bind is not None)
    return Compiled(str(compiled), names, binds, defaults, row, given, converted)


def _values(compiled: Compiled, parameters: dict[str, Any]) -> tuple[Any, ...]:
    try:
        try:
            given = compiled.given(parameters)
        except KeyError:  # a value the statement carries itself
            given = compiled.given({**compiled.defaults, **parameters})
        if len(compiled.names) == 1:
            given = (given,)
        if not compiled.converted:
            return given  # type: ignore[no-any-return]
        values = list(given)
        binds = compiled.binds
        for i in compiled.converted:
            values[i] = binds[i](values[i])  # type: ignore[misc]
        return tuple(values)
    except Exception as error:  # a value its column type refuses, as SQLAlchemy reports it
        message = f"({type(error).__module__}.{type(error).__name__}) {error}"
        raise StatementError(message, compiled.sql, parameters, error) from error


def _bind(column_type: Any, dialect: Dialect) -> Convert:
    """How a value of `column_type` goes to the driver, as SQLAlchemy would send it.

    On SQLite an instant and a date become text; SQLAlchemy's way costs about twice
    what the same text made by isoformat does, and an answer binds four. Ours is used
    only where it gives SQLAlchemy's text for every sample below.
    """
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name != "sqlite" or processor is None:
        return processor  # type: ignore[no-any-return]
    ours = _SQLITE_TEXT.get(type(column_type))
    if ours is None or any(ours(v) != processor(v) for v in _SAMPLES[type(column_type)]):
        return processor  # type: ignore[no-any-return]
    return ours


_INSTANT = UtcDateTime()


def _instant_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = _INSTANT.process_bind_param(value, None)  # type: ignore[arg-type]
        assert value is not None
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _date_text(value: date | None) -> str | None:
    if value is None:
        return None
    if type(value) is not date:  # a datetime: SQLAlchemy's own way
        return _SQLITE_DATE(value)  # type: ignore[misc, no-any-return]
    return value.isoformat()


_SQLITE_DATE = Date().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
_SQLITE_TEXT: dict[type, Callable[[Any], Any]] = {UtcDateTime: _instant_text, Date: _date_text}
_SAMPLES: dict[type, tuple[Any, ...]] = {
    UtcDateTime: (
        None,
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(999, 3, 4, 5, 6, 7, 890, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ),
    Date: (None, date(2026, 1, 5), date(999, 12, 31), datetime(2026, 1, 5, 7, 8, tzinfo=UTC)),
}


def _result(column_type: Any, dialect: Dialect) -> Convert:
    """How a raw value of `column_type` becomes what SQLAlchemy would return.

    sqlite3 hands back text for instants and dates, and SQLAlchemy's processors parse
    it; asyncpg hands back Python values already, and only our own TypeDecorators
    (UtcDateTime) have something left to do.
    """
    if dialect.name != "postgresql":
        return column_type.dialect_impl(dialect).result_processor(dialect, None)  # type: ignore[no-any-return]
    if isinstance(column_type, TypeDecorator):

        def decorated(value: Any) -> Any:
            return column_type.process_result_value(value, dialect)

        return decorated
    return None


def run_on_sqlite(
    connection: sqlite3.Connection, compiled: Compiled, parameters: dict[str, Any]
) -> sqlite3.Cursor:
    values = _values(compiled, parameters)
    try:
        return connection.execute(compiled.sql, values)
    except sqlite3.Error as error:
        # the same exception SQLAlchemy would raise (OperationalError, IntegrityError...)
        raise DBAPIError.instance(compiled.sql, values, error, sqlite3.Error) from error


async def run_on_asyncpg(
    connection: Any, method: str, compiled: Compiled, parameters: dict[str, Any]
) -> Any:
    """`fetchrow`, `fetch`, `fetchval` or `execute` on an asyncpg connection."""
    import asyncpg  # here, not at the top: a SQLite start-up does without it

    values = _values(compiled, parameters)
    try:
        return await getattr(connection, method)(compiled.sql, *values)
    except asyncpg.PostgresError as error:
        raise DBAPIError.instance(compiled.sql, values, error, asyncpg.PostgresError) from error
