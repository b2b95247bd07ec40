"""Score tables: points, correct and answered per learner, kept beside the answer log.

`scores_all` holds one row per (tenant, learner), `scores_week` one per (tenant,
ISO week in the tenant's zone, learner). Every answer updates both in the
transaction that logs it, so a board reads its first rows off an index in board
order (points, correct, name, id) instead of aggregating the tenant's history.
They always equal the aggregate of the answer log: forgetting a learner deletes
their rows, a renamed learner is renamed in them, and a tenant whose zone changes
gets its weekly rows rebuilt from the log for the new weeks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, text, update

from bot.core.records import AnswerRecord, BoardRow
from bot.storage import mapping
from bot.storage.prepared import Prepared
from bot.storage.statements import SCORE_COLUMNS, learner_name, upsert_insert
from bot.storage.tables import learners, scores_all, scores_week, tenants
from bot.storage.transaction import Transaction
from bot.storage.weeks import WEEK_FUNCTION


class ScoreTables(Transaction):
    """Keeps the score tables and reads boards from them."""

    async def _zone_of(self, tenant_id: int) -> str:
        zone = self._zones.get(tenant_id)
        if zone is None:
            found = await self._db.execute(
                select(tenants.c.timezone).where(tenants.c.id == tenant_id)
            )
            zone = self._zones[tenant_id] = str(found.scalar_one())
        return zone

    async def _add_scores(self, answer: AnswerRecord, week: date) -> None:
        """Count one answer in the tenant's all-time and weekly rows (on Postgres the
        answer's one statement does this itself)."""
        values = {
            "tenant_id": answer.tenant_id,
            "learner_id": answer.learner_id,
            "points": answer.points,
            "correct": int(answer.correct),
            "answered": 1,
            "week_start": week,
        }
        dialect = self._db.dialect.name
        await self._db.run(_bump(scores_all, dialect), values)
        await self._db.run(_bump(scores_week, dialect), values)

    async def _score_board(self, tenant_id: int, week: date | None, limit: int) -> list[BoardRow]:
        """Best first: more points, then more correct, then name, then learner id."""
        board = _board(self._db.dialect.name, week is not None)
        rows = await self._db.all(board, {"tenant_id": tenant_id, "week": week, "limit": limit})
        return [mapping.board_row(row) for row in rows]

    async def _rename_in_scores(self, learner_id: int, display_name: str) -> None:
        for table in (scores_all, scores_week):
            await self._db.execute(
                update(table)
                .where(table.c.learner_id == learner_id)
                .values(display_name=display_name)
            )

    async def _rebuild_weeks(self, tenant_id: int, zone: str) -> None:
        """The tenant's weekly rows again from the log, weeks taken in `zone`."""
        await self._db.execute(delete(scores_week).where(scores_week.c.tenant_id == tenant_id))
        if self._db.dialect.name == "postgresql":
            week = "(date_trunc('week', a.answered_at AT TIME ZONE :zone))::date"
        else:
            week = f"{WEEK_FUNCTION}(a.answered_at, :zone)"
        await self._db.execute_long(
            text(
                "INSERT INTO scores_week"
                " (tenant_id, week_start, learner_id, display_name, points, correct, answered)"
                " SELECT g.tenant_id, g.week_start, g.learner_id, l.display_name, g.points,"
                " g.correct, g.answered"
                f" FROM (SELECT a.tenant_id, {week} AS week_start, a.learner_id,"
                " sum(a.points) AS points, sum(CASE WHEN a.correct THEN 1 ELSE 0 END) AS correct,"
                " count(*) AS answered FROM answers AS a WHERE a.tenant_id = :tenant"
                f" GROUP BY a.tenant_id, {week}, a.learner_id) AS g"
                " JOIN learners AS l ON l.id = g.learner_id"
            ),
            {"zone": zone, "tenant": tenant_id},
        )

    async def _forget_scores(self, learner_id: int) -> None:
        for table in (scores_all, scores_week):
            await self._db.execute(delete(table).where(table.c.learner_id == learner_id))


_BUMPS: dict[tuple[str, str], Prepared] = {}


def _bump(table: Table, dialect: str) -> Prepared:
    """INSERT ... ON CONFLICT DO UPDATE adding one answer to the counts (built once).

    A new row takes the learner's current name from `learners`.
    """
    found = _BUMPS.get((table.name, dialect))
    if found is None:
        insert = upsert_insert(dialect, table)
        values: dict[str, Any] = {
            c.name: bindparam(c.name, type_=c.type) for c in table.c if c.name != "display_name"
        }
        values["display_name"] = learner_name()
        statement = insert.values(values)
        key = [c.name for c in table.primary_key.columns]
        found = _BUMPS[(table.name, dialect)] = Prepared(
            statement.on_conflict_do_update(
                index_elements=key,
                set_={c: table.c[c] + statement.excluded[c] for c in SCORE_COLUMNS},
            )
        )
    return found


_BOARDS: dict[tuple[str, bool], Prepared] = {}


def _board(dialect: str, weekly: bool) -> Prepared:
    """The first `limit` rows of a board, in the order of its index (built once)."""
    found = _BOARDS.get((dialect, weekly))
    if found is None:
        table = scores_week if weekly else scores_all
        name = table.c.display_name
        query = (
            select(
                table.c.learner_id,
                learners.c.display_name,
                learners.c.platform_user_id,
                table.c.points,
                table.c.correct,
                table.c.answered,
            )
            .join(learners, learners.c.id == table.c.learner_id)
            .where(table.c.tenant_id == bindparam("tenant_id"))
            .order_by(
                table.c.points.desc(),
                table.c.correct.desc(),
                # the column sorts by code point on both backends (see tables.BOARD_NAME)
                name,
                table.c.learner_id,
            )
            .limit(bindparam("limit"))
        )
        if weekly:
            query = query.where(scores_week.c.week_start == bindparam("week"))
        found = _BOARDS[(dialect, weekly)] = Prepared(query)
    return found
