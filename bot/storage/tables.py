"""The schema as SQLAlchemy Core tables. Migrations create it; this module describes it.

Every constraint and index gets a predictable name from the naming convention, so
Alembic can alter them later (SQLite batch mode needs names to find them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.core.records import DELIVERY_KINDS

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: aware UTC in, aware UTC out, on every backend.

    SQLite keeps no offset and hands back naive values; Postgres returns aware
    ones in the session zone. Naive input is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC instants only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, nullable=False),
    Column("external_id", String, nullable=False),
    Column("timezone", String, nullable=False),
    # False while the zone is only the first drill's; True once an admin set it.
    Column("timezone_explicit", Boolean, nullable=False, server_default=false()),
    # Weekday of the weekly board (0 = Monday); NULL = no weekly board.
    Column("board_day", Integer, nullable=True, server_default=text("0")),
    Column("board_time", Time, nullable=False, server_default=text("'09:00:00'")),
    UniqueConstraint("platform", "external_id"),
)

learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String, nullable=False),
    Column("platform_user_id", String, nullable=False),
    Column("display_name", String, nullable=False),
    UniqueConstraint("platform", "platform_user_id"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", String, primary_key=True),
    Column("concept", String, nullable=False),
    Column("content_hash", String, nullable=False),
    Column("active", Boolean, nullable=False),
)

cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", String, ForeignKey("questions.id"), nullable=False),
    Column("state", Integer, nullable=False),
    Column("step", Integer, nullable=True),
    Column("stability", Float, nullable=True),
    Column("difficulty", Float, nullable=True),
    Column("due", UtcDateTime, nullable=False),
    Column("last_review", UtcDateTime, nullable=True),
    Column("reps", Integer, nullable=False),
    Column("lapses", Integer, nullable=False),
    UniqueConstraint("learner_id", "question_id"),
    Index(None, "learner_id", "due"),
)

drill_schedules = Table(
    "drill_schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("channel", String, nullable=False),
    Column("local_time", Time, nullable=False),
    Column("timezone", String, nullable=False),
    # "0,2,4": Monday, Wednesday, Friday. A list this small needs no child table.
    Column("weekdays", String, nullable=False),
    Column("window_minutes", Integer, nullable=False),
    Column("concept", String, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("created_by", Integer, ForeignKey("learners.id", ondelete="SET NULL"), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "channel"),
)

quiz_rounds = Table(
    "quiz_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("channel", String, nullable=False),
    # No foreign key: a round outlives a starter who deletes their data.
    Column("started_by", Integer, nullable=False),
    Column("question_ids", JSON, nullable=False),
    Column("position", Integer, nullable=False),
    Column("roster", JSON, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Index(None, "tenant_id", "channel"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String, nullable=False),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("channel", String, nullable=False),
    Column("question_id", String, ForeignKey("questions.id"), nullable=False),
    Column("message_id", String, nullable=True),
    Column("opens_at", UtcDateTime, nullable=False),
    Column("closes_at", UtcDateTime, nullable=False),
    Column("revealed_at", UtcDateTime, nullable=True),
    Column("schedule_id", Integer, ForeignKey("drill_schedules.id"), nullable=True),
    Column("local_date", Date, nullable=True),
    Column("round_id", Integer, ForeignKey("quiz_rounds.id"), nullable=True),
    Column("position", Integer, nullable=True),
    CheckConstraint("kind IN ('drill', 'quiz')", name="kind"),
    # One drill post per schedule and local day, however many schedulers fire.
    # Quiz posts have NULL schedule_id, and NULLs never collide.
    UniqueConstraint("schedule_id", "local_date"),
    Index(None, "tenant_id", "channel", "opens_at"),
    Index(None, "round_id"),
    # A thread reply names the question by its platform message id.
    Index(None, "tenant_id", "channel", "message_id"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", String, ForeignKey("questions.id"), nullable=False),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("channel", String, nullable=False),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=True),
    Column("choice", Integer, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("points", Integer, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
    # First answer per post only. Personal reviews have NULL post_id and are
    # unlimited: NULLs are distinct in a unique constraint on SQLite and Postgres.
    UniqueConstraint("post_id", "learner_id"),
    Index(None, "tenant_id", "answered_at"),
    Index(None, "learner_id", "answered_at"),
)

# Incrementally kept aggregates of the answer log (bot.storage.scores): a board reads
# its first rows off an index in board order instead of summing the tenant's history.
# The learner's name is kept here too (and renamed with the learner), because it
# breaks ties: only with it in the index is the top of a board its first rows however
# many learners share the top score. Postgres sorts names by code point ("C"), as
# SQLite always does.
BOARD_NAME = String().with_variant(String(collation="C"), "postgresql")


def _score_table(name: str, *week: Column[Any]) -> Table:
    # The key starts with the learner, so forgetting or renaming one finds their rows by
    # it; the board index serves every board. SQLite stores the rows in the key's tree
    # (no rowid), so an answer writes two trees per score table, not four.
    table = Table(
        name,
        metadata,
        Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE")),
        Column("tenant_id", Integer, ForeignKey("tenants.id")),
        *week,
        Column("display_name", BOARD_NAME, nullable=False),
        Column("points", Integer, nullable=False),
        Column("correct", Integer, nullable=False),
        Column("answered", Integer, nullable=False),
        PrimaryKeyConstraint("learner_id", "tenant_id", *(c.name for c in week)),
        sqlite_with_rowid=False,
    )
    Index(
        f"ix_{name}_board",
        table.c.tenant_id,
        *(table.c[c.name] for c in week),
        table.c.points.desc(),
        table.c.correct.desc(),
        table.c.display_name,
        table.c.learner_id,
    )
    return table


scores_all = _score_table("scores_all")
# The week is the Monday of the ISO week, a date in the tenant's zone.
scores_week = _score_table("scores_week", Column("week_start", Date))

review_sessions = Table(
    "review_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("size", Integer, nullable=False),
    # The cards shown so far, in order: a short list read and written whole.
    Column("items", JSON, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_activity_at", UtcDateTime, nullable=False),
    Index(None, "learner_id"),
)

_KINDS = ", ".join(f"'{kind}'" for kind in DELIVERY_KINDS)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String, nullable=False),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("channel", String, nullable=False),
    # The same message is never queued twice, however many units try.
    Column("dedup_key", String, nullable=False, unique=True),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=True),
    Column("round_id", Integer, nullable=True),
    Column("week_start", Date, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("message_id", String, nullable=True),
    CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
    # The sender's scan: undelivered (NULL) rows first, by when they are due.
    Index(None, "delivered_at", "next_attempt_at"),
    Index(None, "post_id"),
)
