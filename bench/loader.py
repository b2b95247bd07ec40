"""Bulk rows into a migrated database with raw SQL: executemany on SQLite, COPY on Postgres.

The benchmark's data sets are written straight into the bot's tables (the same
columns the migrations create), so a million answers take seconds, not the hours
a million service calls would.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from bench.db import Database, sqlite_row

COLUMNS: dict[str, tuple[str, ...]] = {
    "questions": ("id", "concept", "content_hash", "active"),
    "tenants": (
        "id",
        "platform",
        "external_id",
        "timezone",
        "timezone_explicit",
        "board_day",
        "board_time",
    ),
    "learners": ("id", "platform", "platform_user_id", "display_name"),
    "posts": (
        "id",
        "kind",
        "tenant_id",
        "channel",
        "question_id",
        "message_id",
        "opens_at",
        "closes_at",
        "revealed_at",
        "schedule_id",
        "local_date",
        "round_id",
        "position",
    ),
    "answers": (
        "id",
        "learner_id",
        "question_id",
        "tenant_id",
        "channel",
        "post_id",
        "choice",
        "correct",
        "latency_ms",
        "rating",
        "points",
        "answered_at",
    ),
    "cards": (
        "id",
        "learner_id",
        "question_id",
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
        "reps",
        "lapses",
    ),
    "deliveries": (
        "id",
        "kind",
        "tenant_id",
        "channel",
        "dedup_key",
        "post_id",
        "round_id",
        "week_start",
        "created_at",
        "next_attempt_at",
        "attempts",
        "delivered_at",
        "message_id",
    ),
}

# Tables whose ids the loader writes: Postgres sequences must continue after them.
SERIAL_TABLES = ("tenants", "learners", "posts", "answers", "cards", "deliveries")


class Dialect:
    """The few SQL spellings the generated data sets need, per backend."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        # deterministic: about 60 % of answers are right
        self.correct = "((i * 40503 + 12345) % 1000003) % 10 < 6"

    def series(self, count: int) -> str:
        """A FROM item with one column `i` = 0 .. count - 1."""
        if self.kind == "sqlite":
            return (
                f"(WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq"
                f" WHERE i < {count - 1}) SELECT i FROM seq) AS s"
            )
        return f"generate_series(0::bigint, {count - 1}) AS s(i)"

    def instant(self, epoch: str) -> str:
        """Unix seconds as the bot stores an instant."""
        if self.kind == "sqlite":
            return f"strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000'"
        return f"to_timestamp({epoch})"

    def plus_days(self, instant: str, days: str) -> str:
        if self.kind == "sqlite":
            return (
                f"strftime('%Y-%m-%d %H:%M:%S', {instant}, '+' || ({days}) || ' days') || '.000000'"
            )
        return f"{instant} + make_interval(days => ({days})::int)"

    def least(self, a: str, b: str) -> str:
        return f"min({a}, {b})" if self.kind == "sqlite" else f"LEAST({a}, {b})"


class Loader:
    """Writes rows in table order; `close()` makes the database ready for the bot."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.dialect = Dialect(database.kind)
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: asyncpg.Connection | None = None

    async def open(self) -> Loader:
        if self.database.kind == "sqlite":
            self._sqlite = self.database.raw_sqlite()
            # A data set is rebuilt when lost: no fsync per chunk while loading.
            self._sqlite.execute("PRAGMA synchronous=OFF")
            self._sqlite.execute("PRAGMA cache_size=-400000")
            self._sqlite.execute("PRAGMA temp_store=MEMORY")
            # no rollback journal while loading (WAL again in close()): every page once
            self._sqlite.execute("PRAGMA journal_mode=OFF")
            # the generated rows are consistent by construction; checking 4 parents per row
            # would double the load time
            self._sqlite.execute("PRAGMA foreign_keys=OFF")
        else:
            self._postgres = await self.database.raw_postgres()
            await self._postgres.execute("SET synchronous_commit = off")
            await self._postgres.execute("SET work_mem = '256MB'")
            await self._postgres.execute("SET maintenance_work_mem = '512MB'")
            # skips the foreign-key triggers while loading (needs a superuser, as in the tests)
            await self._postgres.execute("SET session_replication_role = replica")
        return self

    async def insert(self, table: str, rows: Iterable[Sequence[Any]], chunk: int = 50_000) -> int:
        columns = COLUMNS[table]
        count = 0
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                count += await self._write(table, columns, batch)
                batch = []
        if batch:
            count += await self._write(table, columns, batch)
        return count

    async def _write(self, table: str, columns: tuple[str, ...], rows: list[Sequence[Any]]) -> int:
        if self._sqlite is not None:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            connection = self._sqlite

            def write() -> None:
                connection.execute("BEGIN")
                connection.executemany(sql, [sqlite_row(tuple(r)) for r in rows])
                connection.execute("COMMIT")

            await asyncio.to_thread(write)
        else:
            assert self._postgres is not None
            await self._postgres.copy_records_to_table(
                table, records=[tuple(r) for r in rows], columns=list(columns)
            )
        return len(rows)

    async def insert_numbered(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """A scratch lookup table (first column an integer key) for the generating SQL."""
        definition = ", ".join(
            [f"{columns[0]} INTEGER PRIMARY KEY", *(f"{c} TEXT" for c in columns[1:2])]
            + [f"{c} INTEGER" for c in columns[2:]]
        )
        await self.execute(f"CREATE TABLE {table} ({definition})")
        marks = ", ".join(self._mark(n + 1) for n in range(len(columns)))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if self._sqlite is not None:
            self._sqlite.executemany(sql, rows)
        else:
            assert self._postgres is not None
            await self._postgres.executemany(sql, rows)

    def _mark(self, n: int) -> str:
        return "?" if self._sqlite is not None else f"${n}"

    async def insert_select(self, table: str, select: str, with_id: bool = True) -> int:
        """INSERT INTO table SELECT ..., with the table's plain indexes built afterwards
        (one sort each, much faster than a million random index inserts)."""
        columns = COLUMNS[table] if with_id else COLUMNS[table][1:]
        indexes = await self._plain_indexes(table)
        for name, _ in indexes:
            await self.execute(f"DROP INDEX {name}")
        sql = f"INSERT INTO {table} ({', '.join(columns)}) {select}"
        if self._sqlite is not None:
            count = (await asyncio.to_thread(self._sqlite.execute, sql)).rowcount
        else:
            assert self._postgres is not None
            status = await self._postgres.execute(sql)
            count = int(status.split()[-1])
        for _, definition in indexes:
            await self.execute(definition)
        return int(count)

    async def _plain_indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the indexes that back no constraint."""
        if self._sqlite is not None:
            found = self._sqlite.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                (table,),
            ).fetchall()
            return [(str(name), str(sql)) for name, sql in found]
        assert self._postgres is not None
        rows = await self._postgres.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1"
            " AND schemaname = current_schema()"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            table,
        )
        return [(str(r["indexname"]), str(r["indexdef"])) for r in rows]

    async def execute(self, sql: str) -> None:
        if self._sqlite is not None:
            await asyncio.to_thread(_run, self._sqlite, sql)
        else:
            assert self._postgres is not None
            await self._postgres.execute(sql)

    async def close(self) -> None:
        """Sequences continue after the loaded ids; statistics are fresh; the WAL is folded in."""
        if self._sqlite is not None:
            connection = self._sqlite
            await asyncio.to_thread(_run, connection, "ANALYZE")
            await asyncio.to_thread(_run, connection, "PRAGMA journal_mode=WAL")
            connection.close()
            self._sqlite = None
        if self._postgres is not None:
            for table in SERIAL_TABLES:
                await self._postgres.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            await self._postgres.execute("ANALYZE")
            await self._postgres.close()
            self._postgres = None


def _run(connection: sqlite3.Connection, sql: str) -> None:
    """Execute and exhaust: an unfinished statement (a PRAGMA's row) keeps its lock,
    and keeps the connection open after close()."""
    connection.execute(sql).fetchall()
