"""Score tables: points, correct and answered per learner, kept beside the answer log.

`scores_all` holds one row per (tenant, learner), `scores_week` one per (tenant,
ISO week in the tenant's zone, learner). Every answer updates both in the
transaction that logs it, so a board reads the top rows of an index instead of
aggregating the tenant's whole history. They always equal the aggregate of the
answer log: forgetting a learner deletes their rows, and a tenant whose zone
changes gets its weekly rows rebuilt from the log for the new weeks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.records import AnswerRecord, BoardRow
from bot.storage import mapping
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
        }
        dialect = self._db.dialect.name
        await self._db.execute(_bump(scores_all, ("tenant_id", "learner_id"), dialect), values)
        await self._db.execute(
            _bump(scores_week, ("tenant_id", "week_start", "learner_id"), dialect),
            {**values, "week_start": week},
        )

    async def _score_board(
        self, tenant_id: int, week: date | None, limit: int | None
    ) -> list[BoardRow]:
        """Best first: more points, then more correct, then name, then learner id."""
        table = scores_all if week is None else scores_week
        where: list[ColumnElement[bool]] = [table.c.tenant_id == tenant_id]
        if week is not None:
            where.append(scores_week.c.week_start == week)
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
            .where(*where)
            .order_by(
                table.c.points.desc(),
                table.c.correct.desc(),
                self._in_code_point_order(learners.c.display_name),
                table.c.learner_id,
            )
            .limit(limit)
        )
        return [mapping.board_row(row) for row in await self._db.execute(query)]

    async def _rebuild_weeks(self, tenant_id: int, zone: str) -> None:
        """The tenant's weekly rows again from the log, weeks taken in `zone`."""
        await self._db.execute(delete(scores_week).where(scores_week.c.tenant_id == tenant_id))
        if self._db.dialect.name == "postgresql":
            week = "(date_trunc('week', answered_at AT TIME ZONE :zone))::date"
        else:
            week = f"{WEEK_FUNCTION}(answered_at, :zone)"
        await self._db.execute_long(
            text(
                "INSERT INTO scores_week (tenant_id, week_start, learner_id, points, correct,"
                f" answered) SELECT tenant_id, {week}, learner_id, sum(points),"
                " sum(CASE WHEN correct THEN 1 ELSE 0 END), count(*)"
                " FROM answers WHERE tenant_id = :tenant GROUP BY tenant_id, 2, learner_id"
            ),
            {"zone": zone, "tenant": tenant_id},
        )

    async def _forget_scores(self, learner_id: int) -> None:
        for table in (scores_all, scores_week):
            await self._db.execute(delete(table).where(table.c.learner_id == learner_id))


_BUMPS: dict[tuple[str, str], Any] = {}


def _bump(table: Table, key: tuple[str, ...], dialect: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding to the counts (built once)."""
    found = _BUMPS.get((table.name, dialect))
    if found is None:
        statement = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        found = statement.on_conflict_do_update(
            index_elements=list(key),
            set_={
                "points": table.c.points + statement.excluded.points,
                "correct": table.c.correct + statement.excluded.correct,
                "answered": table.c.answered + statement.excluded.answered,
            },
        )
        _BUMPS[(table.name, dialect)] = found
    return found
