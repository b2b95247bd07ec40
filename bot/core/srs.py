"""Spaced repetition: FSRS (the `fsrs` package) behind a few pure functions.

A learner's memory of one question is a CardState. Grading never mutates its
input: review() returns the next state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

import fsrs

from bot.core.clock import as_utc

_SCHEDULER = fsrs.Scheduler(enable_fuzzing=False)
# Production spreads due dates a little so cards learned together do not all come due
# together; tests keep it off (the default) so schedules are exact.
_FUZZED = fsrs.Scheduler(enable_fuzzing=True)


class Grade(IntEnum):
    """The FSRS ratings studybot uses. Hard is never given: a wrong answer is Again."""

    AGAIN = int(fsrs.Rating.Again)
    GOOD = int(fsrs.Rating.Good)
    EASY = int(fsrs.Rating.Easy)


@dataclass(frozen=True)
class CardState:
    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0


def new_card(now: datetime) -> CardState:
    """A card never reviewed: due at once."""
    return CardState(
        state=int(fsrs.State.Learning),
        step=0,
        stability=None,
        difficulty=None,
        due=as_utc(now),
        last_review=None,
    )


def grade_for(correct: bool, latency: timedelta | None, easy_within: timedelta | None) -> Grade:
    """Wrong is Again; right is Good, or Easy when answered within `easy_within`."""
    if not correct:
        return Grade.AGAIN
    if latency is not None and easy_within is not None and latency <= easy_within:
        return Grade.EASY
    return Grade.GOOD


def review(card: CardState, grade: Grade, now: datetime, fuzz: bool = False) -> CardState:
    """The card's next state after a review at `now` (due dates spread when `fuzz`)."""
    now = as_utc(now)
    before = _to_fsrs(card)
    scheduler = _FUZZED if fuzz else _SCHEDULER
    after, _ = scheduler.review_card(before, _RATINGS[int(grade)], now)
    return CardState(
        state=int(after.state),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=as_utc(after.due),
        last_review=as_utc(after.last_review) if after.last_review else now,
        reps=card.reps + 1,
        lapses=card.lapses + (1 if grade == Grade.AGAIN and card.last_review else 0),
    )


def retrievability(card: CardState, now: datetime) -> float:
    """Probability (0..1) the learner recalls the card at `now`; 0 for an unseen card."""
    if card.last_review is None or card.stability is None:
        return 0.0
    return float(_SCHEDULER.get_card_retrievability(_to_fsrs(card), as_utc(now)))


def is_mastered(card: CardState) -> bool:
    """Mastered: in long-term review with at least three weeks of stability."""
    return card.state == int(fsrs.State.Review) and (card.stability or 0.0) >= 21.0


class _Card(fsrs.Card):
    """An fsrs.Card made for one call. The scheduler copies the card it is given before
    changing it; copy.copy's generic way was a third of a review, and these fields are
    all a copy needs."""

    def __copy__(self) -> _Card:
        twin = object.__new__(_Card)
        twin.__dict__.update(self.__dict__)
        return twin


_STATES = {int(state): state for state in fsrs.State}
_RATINGS = {int(rating): rating for rating in fsrs.Rating}


def _to_fsrs(card: CardState) -> fsrs.Card:
    return _Card(
        card_id=1,
        state=_STATES[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )
