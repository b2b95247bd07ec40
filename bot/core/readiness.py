"""Exam readiness: how a learner would do today on an exam drawn from the bank.

Every question gets a predicted chance of a right answer. What a learner knew
before studying a question is their prior; studying lays a memory trace on top
that fades as FSRS says:

    seen:    chance = prior + (1 - prior) * R(card, now)
    unseen:  chance = prior

A first answer shows what the learner knew before, so the priors are fitted to
the first answers: by concept and by difficulty, pulled toward the learner's
overall share while there are few, and that toward PRIOR_DEFAULT while there
are none (fit_priors). The exam score is the mean chance over the
bank, with a range for an EXAM_QUESTIONS-question exam. The functions here are
pure; Readiness is the read-only use case.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
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
EFFECT_SD = 1.0  # how far each coefficient of a prior (logit scale) may move before evidence
FIT_ROUNDS = 20
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


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Priors:
    """What the learner knew before studying: a chance per question, and how sure that is."""

    of_question: dict[str, float]
    concept_sd: dict[str, float]  # uncertainty of a concept's priors (probability scale)


def fit_priors(first: Mapping[str, bool], questions: Sequence[Question]) -> Priors:
    """Each question's prior from the learner's first answers.

    logit(prior) = base + concept effect + slope * (difficulty - 2), fitted to the
    first answers by maximum a posteriori with a normal prior of sd EFFECT_SD on each
    coefficient: the base around logit(PRIOR_DEFAULT), the rest around zero. So a
    newcomer starts at PRIOR_DEFAULT, a concept with few answers stays near the
    learner's overall level, and how they did on harder questions carries over to
    the ones they have not seen, along one trend per difficulty step. That matters
    because review batches show the hardest questions first: the questions left
    unseen are the easy ones.
    """
    answered = [(q, first[q.id]) for q in questions if q.id in first]
    concepts = list(dict.fromkeys(q.concept for q in questions))
    coef = {"base": _logit(PRIOR_DEFAULT), "slope": 0.0} | dict.fromkeys(concepts, 0.0)
    centre = dict(coef)

    def chance(q: Question) -> float:
        return _sigmoid(coef["base"] + coef[q.concept] + coef["slope"] * (q.difficulty - 2))

    groups: tuple[tuple[Sequence[str], Callable[[Question], tuple[str, float]]], ...] = (
        (["base"], lambda q: ("base", 1.0)),
        (concepts, lambda q: (q.concept, 1.0)),
        (["slope"], lambda q: ("slope", q.difficulty - 2.0)),
    )
    precision: dict[str, float] = {}
    for _ in range(FIT_ROUNDS):  # a Newton step on each group of coefficients in turn
        for names, term in groups:
            precision |= _newton_step(coef, centre, names, term, answered, chance)
    of_question = {q.id: chance(q) for q in questions}
    concept_sd = {}
    for c in concepts:
        mean = statistics.fmean(of_question[q.id] for q in questions if q.concept == c)
        concept_sd[c] = mean * (1.0 - mean) / math.sqrt(precision[c])  # delta method
    return Priors(of_question, concept_sd)


def _newton_step(
    coef: dict[str, float],
    centre: Mapping[str, float],
    names: Sequence[str],
    term: Callable[[Question], tuple[str, float]],
    answered: Sequence[tuple[Question, bool]],
    chance: Callable[[Question], float],
) -> dict[str, float]:
    """One Newton step on the coefficients `names` (in place); an answered question adds
    x times the coefficient term(q) = (name, x) to its logit. Returns their precision."""
    slope = {k: -(coef[k] - centre[k]) / EFFECT_SD**2 for k in names}
    curve = dict.fromkeys(names, 1.0 / EFFECT_SD**2)
    for q, right in answered:
        p = chance(q)
        k, x = term(q)
        slope[k] += (right - p) * x
        curve[k] += p * (1.0 - p) * x * x
    for k in names:
        coef[k] += slope[k] / curve[k]
    return curve


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
    priors: Sequence[float],
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
        return sum(question_chance(c, p, at) for c, p in zip(state, priors, strict=True)) / len(
            state
        )

    if mean_at(now) > target:
        return 0
    per_day = max(per_day, 1)
    for day in range(1, HORIZON_DAYS + 1):
        at = now + timedelta(days=day - 1)
        chances = [question_chance(c, p, at) for c, p in zip(state, priors, strict=True)]
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
    priors = fit_priors(first_answers(answers), questions)
    pace = daily_pace([a.answered_at for a in answers], now)
    per_day = round(pace) if pace is not None else assumed_pace
    rows: list[ConceptReadiness] = []
    chances: list[float] = []
    spread = 0.0  # how far the priors' uncertainty moves the overall score (one sd)
    for concept in dict.fromkeys(q.concept for q in questions):
        mine = [q for q in questions if q.concept == concept]
        state = [cards.get(q.id) for q in mine]
        before = [priors.of_question[q.id] for q in mine]
        chance_each = [question_chance(c, p, now) for c, p in zip(state, before, strict=True)]
        chances += chance_each
        # d(chance)/d(prior) is 1 - R: the prior matters most where memory is weakest
        leverage = sum(1.0 - (recall_now(c, now) if c else 0.0) for c in state)
        spread += leverage * priors.concept_sd[concept]
        rows.append(
            ConceptReadiness(
                concept=concept,
                title=titles.get(concept, concept),
                chance=statistics.fmean(chance_each),
                seen=sum(1 for c in state if c is not None),
                total=len(mine),
                days_to_target=days_to_target(state, before, per_day, now),
            )
        )
    score = statistics.fmean(chances) if chances else 0.0
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
