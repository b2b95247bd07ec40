"""Which question a drill, a quiz or a review shows next."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.questions import Question
from bot.core.srs import CardState, retrievability

DRILL_NO_REPEAT = 10  # a channel's last N drill questions are not repeated while others remain
# How useful an unseen question is to one learner, next to 1 - recall (+ OVERDUE_BONUS):
# above a due card the learner still recalls, below one the group failed long ago.
UNSEEN_VALUE = 0.8
OVERDUE_BONUS = 0.5
# The drill pick asks the channel's most recently active learners, at most this many:
# a big server's pick stays quick and small, and the sample speaks for the channel.
DRILL_SAMPLE = 500
REVIEW_EVERY = 10  # a review batch's 1st, 11th, 21st ... card goes to a due card first


def usefulness(card: CardState | None, now: datetime) -> float:
    """How much one learner gains from seeing this question now (higher is better)."""
    if card is None:
        return UNSEEN_VALUE
    forgetting = 1.0 - retrievability(card, now)
    return forgetting + (OVERDUE_BONUS if card.due <= now else 0.0)


def pick_drill_question(
    candidates: Sequence[Question],
    recent: Sequence[str],
    learners: Sequence[int],
    cards: Mapping[tuple[int, str], CardState],
    now: datetime,
    rng: random.Random,
) -> Question:
    """The question most useful to the channel's recent learners.

    Questions of the channel's last drills are skipped while others remain; with
    no recent learners every question is equally useful and one is drawn at random.
    """
    if not candidates:
        raise ValueError("no candidate questions")
    recent_set = set(recent[:DRILL_NO_REPEAT])
    pool = [q for q in candidates if q.id not in recent_set] or list(candidates)
    if not learners:
        return rng.choice(pool)
    scored = [
        (sum(usefulness(cards.get((learner, q.id)), now) for learner in learners), q) for q in pool
    ]
    best = max(score for score, _ in scored)
    return rng.choice([q for score, q in scored if score >= best - 1e-9])


def due_first(position: int) -> bool:
    """Whether the review card at this 1-based position prefers a due card to a new one.

    A batch opens with the most overdue card and every REVIEW_EVERY-th card after it
    is a review too; the others introduce unseen questions while any remain (and fall
    back to due cards when none do). Memory fades slowly on FSRS-6's curve: a first
    look at an unseen question adds more to what a learner recalls on exam day than
    another look at a card they still recall at about 90 %, so due cards must not
    crowd the rest of the bank out (bench/LEARNING.md measures this).
    """
    return (position - 1) % REVIEW_EVERY == 0


def pick_quiz_questions(
    candidates: Sequence[Question], count: int, recent: Sequence[str], rng: random.Random
) -> list[Question]:
    """`count` distinct questions, preferring ones the channel has not seen lately."""
    recent_set = set(recent)
    fresh = [q for q in candidates if q.id not in recent_set]
    stale = [q for q in candidates if q.id in recent_set]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    return (fresh + stale)[:count]


def new_questions(candidates: Sequence[Question], seen: set[str], limit: int) -> list[Question]:
    """Unseen questions for a review batch: hardest first, taking concepts in turn.

    The questions a learner is least likely to know already teach the most:
    bench/LEARNING.md measures hardest first against easiest first.
    """
    rank: dict[str, int] = {}
    keyed = []
    for q in candidates:
        if q.id in seen:
            continue
        rank[q.concept] = rank.get(q.concept, 0) + 1
        keyed.append(((-q.difficulty, rank[q.concept]), q))
    keyed.sort(key=lambda pair: pair[0])
    return [q for _, q in keyed[:limit]]
