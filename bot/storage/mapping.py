"""Rows to core records and back. The core never sees a Row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from bot.core.records import (
    AnswerRecord,
    BoardRow,
    Delivery,
    DrillSchedule,
    Learner,
    NewDelivery,
    NewPost,
    NewSchedule,
    Post,
    QuizRound,
    ReviewItem,
    ReviewSession,
    Tenant,
)
from bot.core.srs import CardState


def tenant(row: Row[Any]) -> Tenant:
    return Tenant(
        id=row.id,
        platform=row.platform,
        external_id=row.external_id,
        timezone=row.timezone,
        timezone_explicit=bool(row.timezone_explicit),
        board_day=row.board_day,
        board_time=row.board_time,
    )


def learner(row: Row[Any]) -> Learner:
    return Learner(
        id=row.id,
        platform=row.platform,
        platform_user_id=row.platform_user_id,
        display_name=row.display_name,
    )


def card(row: Row[Any]) -> CardState:
    return CardState(
        state=row.state,
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due,
        last_review=row.last_review,
        reps=row.reps,
        lapses=row.lapses,
    )


def card_values(state: CardState) -> dict[str, Any]:
    return {
        "state": state.state,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": state.due,
        "last_review": state.last_review,
        "reps": state.reps,
        "lapses": state.lapses,
    }


def answer(row: Row[Any]) -> AnswerRecord:
    return AnswerRecord(
        id=row.id,
        learner_id=row.learner_id,
        question_id=row.question_id,
        tenant_id=row.tenant_id,
        channel=row.channel,
        post_id=row.post_id,
        choice=row.choice,
        correct=bool(row.correct),
        latency_ms=row.latency_ms,
        rating=row.rating,
        points=row.points,
        answered_at=row.answered_at,
        learner_name=row.display_name,
        learner_user_id=row.platform_user_id,
    )


def answer_values(record: AnswerRecord) -> dict[str, Any]:
    return {
        "learner_id": record.learner_id,
        "question_id": record.question_id,
        "tenant_id": record.tenant_id,
        "channel": record.channel,
        "post_id": record.post_id,
        "choice": record.choice,
        "correct": record.correct,
        "latency_ms": record.latency_ms,
        "rating": record.rating,
        "points": record.points,
        "answered_at": record.answered_at,
    }


def board_row(row: Row[Any]) -> BoardRow:
    # SUM comes back as Decimal or bigint depending on the backend.
    return BoardRow(
        learner_id=row.learner_id,
        display_name=row.display_name,
        points=int(row.points),
        correct=int(row.correct),
        answered=int(row.answered),
        platform_user_id=row.platform_user_id,
    )


def post(row: Row[Any]) -> Post:
    return Post(
        id=row.id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        channel=row.channel,
        question_id=row.question_id,
        message_id=row.message_id,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        revealed_at=row.revealed_at,
        schedule_id=row.schedule_id,
        local_date=row.local_date,
        round_id=row.round_id,
        position=row.position,
    )


def post_values(new: NewPost) -> dict[str, Any]:
    return {
        "kind": new.kind,
        "tenant_id": new.tenant_id,
        "channel": new.channel,
        "question_id": new.question_id,
        "opens_at": new.opens_at,
        "closes_at": new.closes_at,
        "schedule_id": new.schedule_id,
        "local_date": new.local_date,
        "round_id": new.round_id,
        "position": new.position,
    }


def schedule(row: Row[Any]) -> DrillSchedule:
    return DrillSchedule(
        id=row.id,
        tenant_id=row.tenant_id,
        channel=row.channel,
        local_time=row.local_time,
        timezone=row.timezone,
        weekdays=tuple(int(day) for day in row.weekdays.split(",") if day),
        window_minutes=row.window_minutes,
        concept=row.concept,
        enabled=bool(row.enabled),
        created_by=row.created_by,
        updated_at=row.updated_at,
    )


def schedule_values(new: NewSchedule) -> dict[str, Any]:
    return {
        "tenant_id": new.tenant_id,
        "channel": new.channel,
        "local_time": new.local_time,
        "timezone": new.timezone,
        "weekdays": ",".join(str(day) for day in sorted(set(new.weekdays))),
        "window_minutes": new.window_minutes,
        "concept": new.concept,
        "created_by": new.created_by,
        "updated_at": new.updated_at,
        "enabled": True,
    }


def quiz_round(row: Row[Any]) -> QuizRound:
    return QuizRound(
        id=row.id,
        tenant_id=row.tenant_id,
        channel=row.channel,
        started_by=row.started_by,
        question_ids=tuple(row.question_ids),
        position=row.position,
        roster=tuple(row.roster),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def review_items(items: Sequence[ReviewItem]) -> list[dict[str, Any]]:
    """Review items as JSON: instants as ISO 8601 text with their UTC offset."""
    return [
        {
            "question_id": item.question_id,
            "shown_at": _iso(item.shown_at),
            "choice": item.choice,
            "answered_at": _iso(item.answered_at) if item.answered_at else None,
        }
        for item in items
    ]


def review_session(row: Row[Any]) -> ReviewSession:
    return ReviewSession(
        id=row.id,
        learner_id=row.learner_id,
        tenant_id=row.tenant_id,
        size=row.size,
        items=tuple(
            ReviewItem(
                question_id=item["question_id"],
                shown_at=datetime.fromisoformat(item["shown_at"]),
                choice=item["choice"],
                answered_at=(
                    datetime.fromisoformat(item["answered_at"]) if item["answered_at"] else None
                ),
            )
            for item in row.items
        ),
        started_at=row.started_at,
        last_activity_at=row.last_activity_at,
    )


def _iso(instant: datetime) -> str:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: store aware UTC instants only")
    return instant.astimezone(UTC).isoformat()


def delivery_values(new: NewDelivery) -> dict[str, Any]:
    return {
        "kind": new.kind,
        "tenant_id": new.tenant_id,
        "channel": new.channel,
        "dedup_key": new.dedup_key,
        "post_id": new.post_id,
        "round_id": new.round_id,
        "week_start": new.week_start,
        "created_at": new.created_at,
        "next_attempt_at": new.created_at,
        "attempts": 0,
    }


def delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        channel=row.channel,
        dedup_key=row.dedup_key,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        post_id=row.post_id,
        round_id=row.round_id,
        week_start=row.week_start,
        delivered_at=row.delivered_at,
        message_id=row.message_id,
    )
