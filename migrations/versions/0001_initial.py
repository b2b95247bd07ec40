"""Initial schema: tenants, learners, questions, cards, schedules, rounds, posts, answers.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from bot.storage.tables, so this
# revision keeps describing the schema it created even after the tables change.
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint(
            "platform", "external_id", name=op.f("uq_tenants_platform_external_id")
        ),
    )
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("platform_user_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint(
            "platform", "platform_user_id", name=op.f("uq_learners_platform_platform_user_id")
        ),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("concept", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", Instant, nullable=False),
        sa.Column("last_review", Instant, nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_cards_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_cards_question_id_questions")
        ),
        sa.UniqueConstraint(
            "learner_id", "question_id", name=op.f("uq_cards_learner_id_question_id")
        ),
    )
    op.create_index(op.f("ix_cards_learner_id_due"), "cards", ["learner_id", "due"])
    op.create_table(
        "drill_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("weekdays", sa.String(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("concept", sa.String(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_schedules")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_drill_schedules_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["learners.id"],
            name=op.f("fk_drill_schedules_created_by_learners"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "tenant_id", "channel", name=op.f("uq_drill_schedules_tenant_id_channel")
        ),
    )
    op.create_table(
        "quiz_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("roster", sa.JSON(), nullable=False),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("finished_at", Instant, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_rounds")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_quiz_rounds_tenant_id_tenants")
        ),
    )
    op.create_index(
        op.f("ix_quiz_rounds_tenant_id_channel"), "quiz_rounds", ["tenant_id", "channel"]
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("opens_at", Instant, nullable=False),
        sa.Column("closes_at", Instant, nullable=False),
        sa.Column("revealed_at", Instant, nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.CheckConstraint("kind IN ('drill', 'quiz')", name=op.f("ck_posts_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_posts_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_posts_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["drill_schedules.id"],
            name=op.f("fk_posts_schedule_id_drill_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["quiz_rounds.id"], name=op.f("fk_posts_round_id_quiz_rounds")
        ),
        sa.UniqueConstraint(
            "schedule_id", "local_date", name=op.f("uq_posts_schedule_id_local_date")
        ),
    )
    op.create_index(
        "ix_posts_tenant_id_channel_opens_at", "posts", ["tenant_id", "channel", "opens_at"]
    )
    op.create_index(op.f("ix_posts_round_id"), "posts", ["round_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_answers_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_answers_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_answers_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_answers_post_id_posts")),
        sa.UniqueConstraint("post_id", "learner_id", name=op.f("uq_answers_post_id_learner_id")),
    )
    op.create_index(
        op.f("ix_answers_tenant_id_answered_at"), "answers", ["tenant_id", "answered_at"]
    )
    op.create_index("ix_answers_learner_id_answered_at", "answers", ["learner_id", "answered_at"])


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_table("posts")
    op.drop_table("quiz_rounds")
    op.drop_table("drill_schedules")
    op.drop_table("cards")
    op.drop_table("questions")
    op.drop_table("learners")
    op.drop_table("tenants")
