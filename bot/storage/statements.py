"""The answer path's statements, built once with bound parameters.

An answer is the hot path of a busy server: these statements are constructed
once per process (SQLAlchemy then reuses their compiled form, and asyncpg its
prepared statement) instead of once per answer.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, Select, Table, bindparam, literal, select
from sqlalchemy.dialects import sqlite

from bot.core.records import AnswerRecord
from bot.core.srs import CardState
from bot.storage import mapping
from bot.storage.prepared import Prepared
from bot.storage.tables import (
    answers,
    cards,
    learners,
    posts,
    questions,
    scores_all,
    scores_week,
    tenants,
)

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

ANSWER_COLUMNS = tuple(c.name for c in answers.columns if c.name != "id")
CARD_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
SCORE_COLUMNS = ("points", "correct", "answered")


def answer_parameters(answer: AnswerRecord, card: CardState | None, week: date) -> dict[str, Any]:
    """Bound values for the statements below."""
    values = mapping.answer_values(answer)
    values["week_start"] = week
    values["correct_count"] = int(answer.correct)
    if card is not None:
        values.update({f"card_{k}": v for k, v in mapping.card_values(card).items()})
    return values


def card_parameters(learner_id: int, question_id: str, card: CardState) -> dict[str, Any]:
    values = {f"card_{k}": v for k, v in mapping.card_values(card).items()}
    return {"learner_id": learner_id, "question_id": question_id, **values}


def learner_name() -> Any:
    """The learner's current name, for a new score row (scores.py)."""
    return (
        select(learners.c.display_name)
        .where(learners.c.id == bindparam("learner_id"))
        .scalar_subquery()
    )


def _answer_values() -> dict[str, Any]:
    return {name: bindparam(name, type_=answers.c[name].type) for name in ANSWER_COLUMNS}


def _card_values() -> dict[str, Any]:
    values: dict[str, Any] = {
        "learner_id": bindparam("learner_id", type_=cards.c.learner_id.type),
        "question_id": bindparam("question_id", type_=cards.c.question_id.type),
    }
    for name in CARD_COLUMNS:
        values[name] = bindparam(f"card_{name}", type_=cards.c[name].type)
    return values


# The reads of every answer. Those of tenants, posts and learners may be answered
# from the rows a SQLite write connection keeps (bot.storage.cache).
FIND_TENANT = Prepared(
    select(tenants).where(
        tenants.c.platform == bindparam("platform"),
        tenants.c.external_id == bindparam("external_id"),
    ),
    record=mapping.tenant,
    cacheable=True,
)
GET_TENANT = Prepared(
    select(tenants).where(tenants.c.id == bindparam("id")), record=mapping.tenant, cacheable=True
)
GET_POST = Prepared(
    select(posts).where(posts.c.id == bindparam("id")), record=mapping.post, cacheable=True
)
FIND_LEARNER = Prepared(
    select(learners).where(
        learners.c.platform == bindparam("platform"),
        learners.c.platform_user_id == bindparam("user_id"),
    ),
    record=mapping.learner,
    cacheable=True,
)
GET_CARD = Prepared(
    select(cards).where(
        cards.c.learner_id == bindparam("learner_id"),
        cards.c.question_id == bindparam("question_id"),
    )
)


# The reads of /stats and of a reveal.
def _answers_where(where: Any) -> Prepared:
    return Prepared(
        select(answers, learners.c.display_name, learners.c.platform_user_id)
        .join(learners, learners.c.id == answers.c.learner_id)
        .where(where)
        .order_by(answers.c.answered_at, answers.c.id)
    )


ANSWERS_OF = _answers_where(answers.c.learner_id == bindparam("learner_id"))
ANSWERS_FOR_POST = _answers_where(answers.c.post_id == bindparam("post_id"))
CARDS_OF = Prepared(
    select(cards).where(cards.c.learner_id == bindparam("learner_id")).order_by(cards.c.question_id)
)
DUE_TIMES = Prepared(
    select(cards.c.due)
    .join_from(cards, questions, questions.c.id == cards.c.question_id)
    .where(
        cards.c.learner_id == bindparam("learner_id"),
        cards.c.due < bindparam("until", type_=cards.c.due.type),
        questions.c.active,
    )
    .order_by(cards.c.due)
)

SQLITE_ADD_ANSWER = Prepared(
    sqlite.insert(answers)
    .values(_answer_values())
    .on_conflict_do_nothing(index_elements=["post_id", "learner_id"])
    .returning(answers.c.id)
)


def upsert_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which takes ON CONFLICT (Postgres's imported only for Postgres)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)


@cache
def upsert_card(dialect: str) -> Prepared:
    return Prepared(_upsert_card(dialect))


def _upsert_card(dialect: str) -> Insert:
    """Insert the card or overwrite its state: one statement either way."""
    insert = upsert_insert(dialect, cards)
    statement = insert.values(_card_values())
    return statement.on_conflict_do_update(
        index_elements=["learner_id", "question_id"],
        set_={name: statement.excluded[name] for name in CARD_COLUMNS},
    )


@cache
def pg_log_answer(with_card: bool) -> Prepared:
    return Prepared(_pg_log_answer(with_card))


def _pg_log_answer(with_card: bool) -> Select[Any]:
    """Postgres: answer, card and both score rows in one statement (data-modifying CTEs).

    The card and score inserts select from the answer's insert, so a repeated answer
    (ON CONFLICT DO NOTHING returns no row) writes nothing at all.
    """
    from sqlalchemy.dialects import postgresql  # here: a SQLite process does without it

    logged = (
        postgresql.insert(answers)
        .values(_answer_values())
        .on_conflict_do_nothing(index_elements=["post_id", "learner_id"])
        .returning(answers.c.id)
        .cte("logged")
    )
    writes = []
    if with_card:
        card = postgresql.insert(cards)
        values = _card_values()
        card = card.from_select(
            list(values), select(*(v.label(k) for k, v in values.items())).select_from(logged)
        )
        writes.append(
            card.on_conflict_do_update(
                index_elements=["learner_id", "question_id"],
                set_={name: card.excluded[name] for name in CARD_COLUMNS},
            ).cte("carded")
        )
    for table, key in ((scores_all, ()), (scores_week, ("week_start",))):
        columns: dict[str, Any] = {
            "tenant_id": bindparam("tenant_id", type_=table.c.tenant_id.type),
            **{k: bindparam(k, type_=table.c[k].type) for k in key},
            "learner_id": bindparam("learner_id", type_=table.c.learner_id.type),
            "display_name": learner_name(),
            "points": bindparam("points", type_=table.c.points.type),
            "correct": bindparam("correct_count", type_=table.c.correct.type),
            "answered": literal(1),
        }
        score = postgresql.insert(table)
        score = score.from_select(
            list(columns), select(*(v.label(k) for k, v in columns.items())).select_from(logged)
        )
        writes.append(
            score.on_conflict_do_update(
                index_elements=["tenant_id", *key, "learner_id"],
                set_={c: table.c[c] + score.excluded[c] for c in SCORE_COLUMNS},
            ).cte(f"counted_{table.name}")
        )
    return select(logged.c.id).add_cte(*writes)
