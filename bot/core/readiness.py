"""Exam readiness: how a learner would do today on an exam drawn from the bank.

Every question gets a predicted chance of a right answer. What a learner knew
before studying a question is their prior; studying lays a memory trace on top
that fades as FSRS says:

    seen:    chance = prior + (1 - prior) * R(card, now)
    unseen:  chance = prior

The prior of a concept is the share of the learner's first answers to its
questions that were right (a first answer shows what they knew before), pulled
toward their share over all concepts while there are few, and that toward
PRIOR_DEFAULT while there are none. The exam score is the mean chance over the
bank, with a range for an EXAM_QUESTIONS-question exam. The functions here are
pure; Readiness is the read-only use case.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs.scheduler import DEFAULT_PARAMETERS

from bot.core.clock import Clock
from bot.core.ports import Place, Repository, Who
from bot.core.questions import Question
from bot.core.records import AnswerRecord
from bot.core.srs import CardState, Grade, new_card, review
from bot.core.usecase import CoreConfig, Questions
from bot.core.views import ConceptReadiness, ReadinessView

TARGET = 0.8  # a concept counts as ready above this predicted chance
EXAM_QUESTIONS = 40
STUDY_NEXT = 3
PRIOR_DEFAULT = 0.25  # before any answer: one in four, as a guess among four options
PRIOR_WEIGHT = 5.0  # pseudo-answers: few first answers lean on the broader share
PACE_WINDOW = timedelta(days=14)
HORIZON_DAYS = 60  # days_to_target gives up after this
RANGE_Z = 1.645  # the range holds the exam score nine times in ten

_DECAY = DEFAULT_PARAMETERS[20]
_FACTOR = 0.9 ** (-1.0 / _DECAY) - 1.0
DAY_SECONDS = 86_400.0


def recall_now(card: CardState, now: datetime) -> float:
    """FSRS-6's retrievability of a seen card at `now`, counting fractions of a day
    (the fsrs package rounds down to whole days, which calls a card failed an hour ago
    perfectly known)."""
    if card.last_review is None or not card.stability:
        return 0.0
    elapsed = max((now - card.last_review).total_seconds(), 0.0) / DAY_SECONDS
    return float((1.0 + _FACTOR * elapsed / card.stability) ** -_DECAY)


def question_chance(card: CardState | None, prior: float, now: datetime) -> float:
    """The predicted chance of answering one question right at `now`."""
    if card is None:
        return prior
    return prior + (1.0 - prior) * recall_now(card, now)


def first_answers(answers: Iterable[AnswerRecord]) -> dict[str, bool]:
    """Whether the learner's first answer to each question was right."""
    first: dict[str, tuple[datetime, bool]] = {}
    for answer in answers:
        seen = first.get(answer.question_id)
        if seen is None or answer.answered_at < seen[0]:
            first[answer.question_id] = (answer.answered_at, answer.correct)
    return {qid: correct for qid, (_, correct) in first.items()}


def shrunk(right: int, total: int, toward: float, weight: float = PRIOR_WEIGHT) -> float:
    """The share right/total pulled toward `toward` as if `weight` more answers scored it."""
    return (right + weight * toward) / (total + weight)


@dataclass(frozen=True)
class Prior:
    chance: float
    answers: int  # first answers it rests on

    @property
    def variance(self) -> float:
        """Of the estimate: a share of `answers` plus the pseudo-answers."""
        return self.chance * (1.0 - self.chance) / (self.answers + PRIOR_WEIGHT + 1.0)


def concept_priors(
    first: Mapping[str, bool], concept_of: Mapping[str, str], concepts: Iterable[str]
) -> dict[str, Prior]:
    """Each concept's prior from the learner's first answers (see the module doc)."""
    known = {qid: right for qid, right in first.items() if qid in concept_of}
    overall = shrunk(sum(known.values()), len(known), PRIOR_DEFAULT)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for qid, correct in known.items():
        total[concept_of[qid]] += 1
        right[concept_of[qid]] += correct
    return {c: Prior(shrunk(right[c], total[c], overall), total[c]) for c in concepts}


def daily_pace(times: Sequence[datetime], now: datetime) -> float | None:
    """Answers a day over the last PACE_WINDOW (counted from the first answer in it,
    so a newcomer's first day counts whole); None with no recent answer."""
    recent = [t for t in times if now - PACE_WINDOW < t <= now]
    if not recent:
        return None
    days = min((now - min(recent)).days + 1, PACE_WINDOW.days)
    return len(recent) / days


def days_to_target(
    cards: Sequence[CardState | None],
    prior: float,
    per_day: int,
    now: datetime,
    target: float = TARGET,
) -> int | None:
    """Days of review at `per_day` cards a day, all on these questions, until their mean
    predicted chance the next morning passes `target`; 0 if it already does, None if
    not within HORIZON_DAYS.

    Each day the weakest cards are reviewed, each graded as its more likely outcome
    (right when its chance is at least one half) and scheduled by FSRS.
    """
    if not cards:
        return 0
    state = list(cards)

    def mean_at(at: datetime) -> float:
        return sum(question_chance(c, prior, at) for c in state) / len(state)

    if mean_at(now) > target:
        return 0
    per_day = max(per_day, 1)
    for day in range(1, HORIZON_DAYS + 1):
        at = now + timedelta(days=day - 1)
        chances = [question_chance(c, prior, at) for c in state]
        weakest = sorted(range(len(state)), key=lambda i: chances[i])[:per_day]
        for i in weakest:
            grade = Grade.GOOD if chances[i] >= 0.5 else Grade.AGAIN
            state[i] = review(state[i] or new_card(at), grade, at)
        if mean_at(at + timedelta(days=1)) > target:
            return day
    return None


def estimate(
    name: str,
    questions: Sequence[Question],
    titles: Mapping[str, str],
    cards: Mapping[str, CardState],
    answers: Sequence[AnswerRecord],
    now: datetime,
    assumed_pace: int,
) -> ReadinessView:
    """The readiness view for a learner with these cards and this answer log."""
    concept_of = {q.id: q.concept for q in questions}
    concepts = list(dict.fromkeys(q.concept for q in questions))
    priors = concept_priors(first_answers(answers), concept_of, concepts)
    pace = daily_pace([a.answered_at for a in answers], now)
    per_day = round(pace) if pace is not None else assumed_pace
    rows: list[ConceptReadiness] = []
    chances: list[float] = []
    spread = 0.0  # how far the priors' uncertainty moves the overall score (one sd)
    for concept in concepts:
        prior = priors[concept]
        mine = [cards.get(q.id) for q in questions if q.concept == concept]
        chance_each = [question_chance(c, prior.chance, now) for c in mine]
        chances += chance_each
        # d(chance)/d(prior) is 1 - R: the prior matters most where memory is weakest
        leverage = sum(1.0 - (recall_now(c, now) if c else 0.0) for c in mine)
        spread += leverage * math.sqrt(prior.variance)
        rows.append(
            ConceptReadiness(
                concept=concept,
                title=titles.get(concept, concept),
                chance=sum(chance_each) / len(chance_each),
                seen=sum(1 for c in mine if c is not None),
                total=len(mine),
                days_to_target=days_to_target(mine, prior.chance, per_day, now),
            )
        )
    score = sum(chances) / len(chances) if chances else 0.0
    sd = math.sqrt(score * (1.0 - score) / EXAM_QUESTIONS + (spread / max(len(chances), 1)) ** 2)
    # where the most exam points are lost: weak concepts with many questions first
    ranked = sorted(rows, key=lambda r: (-(1.0 - r.chance) * r.total, r.chance))
    behind = [r for r in ranked if r.chance <= TARGET] or ranked
    return ReadinessView(
        name=name,
        concepts=tuple(rows),
        score=score,
        low=max(score - RANGE_Z * sd, 0.0),
        high=min(score + RANGE_Z * sd, 1.0),
        study_next=tuple(r.concept for r in behind[:STUDY_NEXT]),
        pace=float(per_day),
        pace_measured=pace is not None,
        target=TARGET,
        exam_questions=EXAM_QUESTIONS,
        answered=len(answers),
    )


class Readiness:
    """The read-only readiness use case: it creates no rows and takes no write lock."""

    def __init__(
        self, repo: Repository, questions: Questions, clock: Clock, config: CoreConfig
    ) -> None:
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.config = config

    async def readiness(self, place: Place, who: Who) -> ReadinessView:
        """The learner's predicted exam score, per concept and overall, what to study next
        and how many days of review at their pace would bring each concept to TARGET.
        A learner's memory is theirs across channels, so the place only names the request."""
        now = self.clock.now()
        async with self.repo.unit(readonly=True) as u:
            learner = await u.find_learner(who.platform, who.user_id)
            stored = await u.cards_of(learner.id) if learner else []
            answers = await u.answers_of(learner.id) if learner else []
        bank = self.questions.bank
        return estimate(
            name=learner.display_name if learner else who.display_name,
            questions=bank.questions,
            titles=self.questions.titles,
            cards={c.question_id: c.card for c in stored},
            answers=answers,
            now=now,
            assumed_pace=self.config.review_batch,
        )
