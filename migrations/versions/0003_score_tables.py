"""Score tables kept beside the answer log, backfilled from it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here (not imported from bot.storage) so this revision keeps describing
# the schema it created.
BOARD_NAME = sa.String().with_variant(sa.String(collation="C"), "postgresql")


@lru_cache(maxsize=200_000)
def _week(minute: str, zone: str) -> str:
    """The Monday of the ISO week, in `zone`, of a UTC minute ("YYYY-MM-DD HH:MM")."""
    instant = datetime.fromisoformat(minute).replace(tzinfo=UTC)
    day = instant.astimezone(ZoneInfo(zone)).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _week_of_stored(instant: str | None, zone: str | None) -> str | None:
    """_week for SQLite's stored instants (naive UTC text); zones move by whole minutes."""
    if instant is None or zone is None:
        return None
    return _week(instant[:16], zone)


def upgrade() -> None:
    for name, week in (("scores_all", False), ("scores_week", True)):
        weeks = [sa.Column("week_start", sa.Date(), nullable=False)] if week else []
        op.create_table(
            name,
            sa.Column("learner_id", sa.Integer(), nullable=False),
            sa.Column("tenant_id", sa.Integer(), nullable=False),
            *weeks,
            sa.Column("display_name", BOARD_NAME, nullable=False),
            sa.Column("points", sa.Integer(), nullable=False),
            sa.Column("correct", sa.Integer(), nullable=False),
            sa.Column("answered", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(
                "learner_id", "tenant_id", *(c.name for c in weeks), name=op.f(f"pk_{name}")
            ),
            sa.ForeignKeyConstraint(
                ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{name}_tenant_id_tenants")
            ),
            sa.ForeignKeyConstraint(
                ["learner_id"],
                ["learners.id"],
                name=op.f(f"fk_{name}_learner_id_learners"),
                ondelete="CASCADE",
            ),
            sqlite_with_rowid=False,
        )
        op.create_index(
            f"ix_{name}_board",
            name,
            [
                "tenant_id",
                *(c.name for c in weeks),
                sa.text("points DESC"),
                sa.text("correct DESC"),
                "display_name",
                "learner_id",
            ],
        )
    _backfill()


def _backfill() -> None:
    """Sum the log per (tenant, learner) and per (tenant, week, learner), names joined after.

    SQLite reads the table straight through (NOT INDEXED): summing a million answers
    in the order of an index would fetch each row from a random page.
    """
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        source = "answers AS a"
        week = "(date_trunc('week', a.answered_at AT TIME ZONE t.timezone))::date"
    else:
        source = "answers AS a NOT INDEXED"
        # SQLite knows no time zones: the week comes from Python, as the bot computes it.
        bind.connection.dbapi_connection.create_function(  # type: ignore[union-attr]
            "studybot_backfill_week", 2, _week_of_stored, deterministic=True
        )
        week = "studybot_backfill_week(a.answered_at, t.timezone)"
    counts = "sum(a.points) AS points, sum(CASE WHEN a.correct THEN 1 ELSE 0 END) AS correct"
    op.execute(
        "INSERT INTO scores_all (tenant_id, learner_id, display_name, points, correct, answered)"
        " SELECT g.tenant_id, g.learner_id, l.display_name, g.points, g.correct, g.answered"
        f" FROM (SELECT a.tenant_id, a.learner_id, {counts}, count(*) AS answered"
        f" FROM {source} GROUP BY a.tenant_id, a.learner_id) AS g"
        " JOIN learners AS l ON l.id = g.learner_id"
    )
    op.execute(
        "INSERT INTO scores_week"
        " (tenant_id, week_start, learner_id, display_name, points, correct, answered)"
        " SELECT g.tenant_id, g.week_start, g.learner_id, l.display_name, g.points, g.correct,"
        " g.answered"
        f" FROM (SELECT a.tenant_id, {week} AS week_start, a.learner_id, {counts},"
        f" count(*) AS answered FROM {source} JOIN tenants AS t ON t.id = a.tenant_id"
        f" GROUP BY a.tenant_id, {week}, a.learner_id) AS g"
        " JOIN learners AS l ON l.id = g.learner_id"
    )
    # the planner should know the new tables are full before the first board is read
    for table in ("scores_all", "scores_week"):
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    op.drop_table("scores_week")
    op.drop_table("scores_all")
