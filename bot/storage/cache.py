"""Rows a SQLite write connection keeps between units: tenants, posts and learners.

Every answer reads its tenant, its post and its learner by key, and they hardly
ever change; reading them again costs more than the rest of the answer's reads.
The writer's connection (bot.storage.sqlite) keeps the rows it has read by key
(statements marked `cacheable`, see bot.storage.prepared) and answers those
reads from memory for as long as they cannot have changed:

- another connection (another process, another event loop's writer, a migration)
  committed: at the start of each transaction `PRAGMA data_version` tells, and
  everything kept is dropped;
- this connection wrote one of those tables: any statement through SQLAlchemy's
  execution other than a SELECT, and any prepared write of such a table, drops
  everything first;
- a rollback or a rollback to a savepoint: rows read after a write of this
  transaction may never be committed, so everything is dropped.

Only whole rows found by key are kept (a miss is not). Dropping all at once is
the price of never having to know which row a write touched; such writes (a new
post, a reveal, a rename) are rare beside answers.
"""

from __future__ import annotations

import sqlite3
from typing import Any

# Kept rows per connection at most; past it the cache starts again empty.
MAX_ROWS = 20_000

# Where a connection's RowCache lives: its pool record's info (see SqliteUnits).
INFO_KEY = "studybot_rows"


class RowCache:
    def __init__(self) -> None:
        self._rows: dict[Any, Any] = {}
        self._version: int | None = None

    def check(self, driver: sqlite3.Connection) -> None:
        """At the start of a transaction: drop everything if another connection has
        committed since the last check."""
        try:
            version = driver.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            version = None  # keep nothing; the unit's own statements will report the error
        if version is None or version != self._version:
            self._rows.clear()
            self._version = version

    def get(self, key: Any) -> Any | None:
        return self._rows.get(key)

    def keep(self, key: Any, row: Any) -> None:
        if len(self._rows) >= MAX_ROWS:
            self._rows.clear()
        self._rows[key] = row

    def drop(self) -> None:
        self._rows.clear()


def drop_kept_rows(info: dict[Any, Any]) -> None:
    """Forget the rows kept for the connection whose pool record `info` is."""
    rows = info.get(INFO_KEY)
    if rows is not None:
        rows.drop()
