"""Score tables kept beside the answer log, backfilled from it; an index for the drill sample.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = ZoneInfo("UTC")


def _week(instant: str | None, zone: str | None) -> str | None:
    """The Monday of the ISO week of a stored SQLite instant (naive UTC text), in `zone`.

    Spelled out here (not imported from bot.storage) so this revision keeps meaning
    what it meant when it was written.
    """
    if instant is None or zone is None:
        return None
    local = datetime.fromisoformat(instant).replace(tzinfo=_UTC).astimezone(ZoneInfo(zone))
    day: date = local.date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _counts(*key: sa.Column[object]) -> list[sa.Column[object]]:
    return [
        *key,
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_index(
        op.f("ix_answers_tenant_id_channel_answered_at"),
        "answers",
        ["tenant_id", "channel", "answered_at"],
    )
    for name, week in (("scores_all", False), ("scores_week", True)):
        key = [sa.Column("tenant_id", sa.Integer(), nullable=False)]
        if week:
            key.append(sa.Column("week_start", sa.Date(), nullable=False))
        key.append(sa.Column("learner_id", sa.Integer(), nullable=False))
        op.create_table(
            name,
            *_counts(*key),
            sa.PrimaryKeyConstraint(*(c.name for c in key), name=op.f(f"pk_{name}")),
            sa.ForeignKeyConstraint(
                ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{name}_tenant_id_tenants")
            ),
            sa.ForeignKeyConstraint(
                ["learner_id"],
                ["learners.id"],
                name=op.f(f"fk_{name}_learner_id_learners"),
                ondelete="CASCADE",
            ),
        )
        ranked = [c.name for c in key[:-1]] + ["points", "correct"]
        op.create_index(op.f(f"ix_{name}_{'_'.join(ranked)}"), name, ranked)
        op.create_index(op.f(f"ix_{name}_learner_id"), name, ["learner_id"])
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    correct = "sum(CASE WHEN correct THEN 1 ELSE 0 END)"
    op.execute(
        "INSERT INTO scores_all (tenant_id, learner_id, points, correct, answered)"
        f" SELECT tenant_id, learner_id, sum(points), {correct}, count(*)"
        " FROM answers GROUP BY tenant_id, learner_id"
    )
    if bind.dialect.name == "postgresql":
        week = "(date_trunc('week', a.answered_at AT TIME ZONE t.timezone))::date"
    else:
        # SQLite knows no time zones: the week comes from Python, as the bot computes it.
        bind.connection.dbapi_connection.create_function(  # type: ignore[union-attr]
            "studybot_backfill_week", 2, _week, deterministic=True
        )
        week = "studybot_backfill_week(a.answered_at, t.timezone)"
    op.execute(
        "INSERT INTO scores_week (tenant_id, week_start, learner_id, points, correct, answered)"
        f" SELECT a.tenant_id, {week}, a.learner_id, sum(a.points),"
        " sum(CASE WHEN a.correct THEN 1 ELSE 0 END), count(*)"
        " FROM answers AS a JOIN tenants AS t ON t.id = a.tenant_id"
        f" GROUP BY a.tenant_id, {week}, a.learner_id"
    )


def downgrade() -> None:
    op.drop_table("scores_week")
    op.drop_table("scores_all")
    op.drop_index(op.f("ix_answers_tenant_id_channel_answered_at"), table_name="answers")
