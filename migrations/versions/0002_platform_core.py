"""Platform core: tenant settings, post lookup by message, review sessions, the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from bot.core.records, so this revision keeps describing
# the schema it created.
Instant = sa.DateTime(timezone=True)
DELIVERY_KINDS = ("question", "close", "reveal", "round_board", "weekly_board")


def upgrade() -> None:
    # Existing tenants keep their zone as implicit and get the default Monday 09:00 board.
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("timezone_explicit", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("board_day", sa.Integer(), nullable=True, server_default=sa.text("0"))
        )
        batch.add_column(
            sa.Column(
                "board_time", sa.Time(), nullable=False, server_default=sa.text("'09:00:00'")
            )
        )
    op.create_index(
        op.f("ix_posts_tenant_id_channel_message_id"),
        "posts",
        ["tenant_id", "channel", "message_id"],
    )
    op.create_table(
        "review_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("last_activity_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_sessions")),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_review_sessions_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_review_sessions_tenant_id_tenants")
        ),
    )
    op.create_index(op.f("ix_review_sessions_learner_id"), "review_sessions", ["learner_id"])
    kinds = ", ".join(f"'{kind}'" for kind in DELIVERY_KINDS)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("dedup_key", sa.String(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("week_start", sa.Date(), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("next_attempt_at", Instant, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", Instant, nullable=True),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_deliveries_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_deliveries_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_deliveries_post_id_posts")
        ),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_deliveries_dedup_key")),
    )
    op.create_index(
        op.f("ix_deliveries_delivered_at_next_attempt_at"),
        "deliveries",
        ["delivered_at", "next_attempt_at"],
    )
    op.create_index(op.f("ix_deliveries_post_id"), "deliveries", ["post_id"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("review_sessions")
    op.drop_index(op.f("ix_posts_tenant_id_channel_message_id"), table_name="posts")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("board_time")
        batch.drop_column("board_day")
        batch.drop_column("timezone_explicit")
