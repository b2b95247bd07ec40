"""Grading one answer: the FSRS review of the learner's card plus a row in the answer log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import scoring
from bot.core.ports import Unit
from bot.core.questions import Question
from bot.core.records import AnswerRecord
from bot.core.srs import CardState, grade_for, new_card, review


@dataclass(frozen=True)
class Graded:
    answer: AnswerRecord
    card: CardState  # the card after this review


async def grade(
    u: Unit,
    learner_id: int,
    question: Question,
    choice: int,
    now: datetime,
    latency: timedelta,
    easy_within: timedelta | None,
    *,
    kind: str,
    tenant_id: int,
    channel: str,
    post_id: int | None = None,
    window: timedelta = timedelta(0),
    fuzz: bool = False,
) -> Graded:
    """Review the card (wrong: Again; right: Good, or Easy within `easy_within`) and log it."""
    correct = choice == question.answer
    rating = grade_for(correct, latency, easy_within)
    before = await u.get_card(learner_id, question.id) or new_card(now)
    after = review(before, rating, now, fuzz)
    answer = AnswerRecord(
        learner_id=learner_id,
        question_id=question.id,
        tenant_id=tenant_id,
        channel=channel,
        post_id=post_id,
        choice=choice,
        correct=correct,
        latency_ms=int(latency.total_seconds() * 1000),
        rating=int(rating),
        points=scoring.points_for(kind, correct, latency, window),
        answered_at=now,
    )
    # one write: a repeated answer (AlreadyAnswered) leaves the card as it was
    await u.log_answer(answer, after)
    return Graded(answer, after)
