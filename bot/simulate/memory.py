"""Ground truth: what each simulated learner really remembers.

A learner's memory of one question has two parts: background knowledge from
before studying (a prior chance of knowing it, which differs by concept), and a
trace laid down by studying it, which fades along FSRS-6's forgetting curve with
that learner's own parameters (the defaults, varied per learner: some learn
faster than others). The chance of answering right is

    p = prior + (1 - prior) * R(trace)

so studying adds to what the learner already knew and never takes it away.
This is a model of memory, not data from people.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import fsrs
import numpy as np

DEFAULT_W = fsrs.scheduler.DEFAULT_PARAMETERS
_LOWER = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS
_UPPER = fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
DAY = 86_400.0
PRIOR_RANGE = (0.05, 0.45)  # a concept's mean chance of being known before any study


@dataclass(frozen=True)
class Traits:
    """One simulated learner: FSRS-6 parameters, a daily chance of joining the drill,
    and an ability that shifts every prior."""

    name: str
    parameters: tuple[float, ...]
    learning_rate: float  # the factor applied to the default initial stabilities
    participation: float
    ability: float  # logit shift of the prior chance of knowing a question


def learner_parameters(rate: float) -> tuple[float, ...]:
    """FSRS-6 defaults with the initial stabilities scaled by `rate` and the growth of
    stability after a success scaled by sqrt(rate): a faster or slower learner."""
    w = list(DEFAULT_W)
    for i in range(4):
        w[i] *= rate
    w[8] += 0.5 * math.log(rate)
    return tuple(min(max(v, lo), hi) for v, lo, hi in zip(w, _LOWER, _UPPER, strict=True))


def forgetting_curve(elapsed_days: np.ndarray, stability: np.ndarray, decay: float) -> np.ndarray:
    """FSRS-6: R(t, S) = (1 + factor * t / S) ** -decay, with R(S) = 0.9."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    curve: np.ndarray = np.power(1.0 + factor * np.maximum(elapsed_days, 0.0) / stability, -decay)
    return curve


class Memory:
    """The true memory of one learner for every question of the bank."""

    def __init__(self, traits: Traits, priors: Mapping[str, float]) -> None:
        self.traits = traits
        self.ids = list(priors)
        self.index = {qid: i for i, qid in enumerate(self.ids)}
        self.prior = np.array([priors[q] for q in self.ids])
        self.stability = np.ones(len(self.ids))
        self.last = np.full(len(self.ids), np.nan)  # epoch seconds of the last study; nan: never
        self.decay = traits.parameters[20]
        self._scheduler = fsrs.Scheduler(parameters=traits.parameters, enable_fuzzing=False)
        self._cards: dict[str, fsrs.Card] = {}

    def recall(self, question_id: str, now: datetime) -> float:
        """The true chance of answering this question right at `now`."""
        i = self.index[question_id]
        prior = float(self.prior[i])
        if math.isnan(self.last[i]):
            return prior
        elapsed = (now.timestamp() - float(self.last[i])) / DAY
        factor = 0.9 ** (-1.0 / self.decay) - 1.0
        trace = (1.0 + factor * max(elapsed, 0.0) / float(self.stability[i])) ** -self.decay
        return float(prior + (1.0 - prior) * trace)

    def recall_all(self, now: datetime) -> np.ndarray:
        """The true chance of answering each question right at `now` (bank order)."""
        seen = ~np.isnan(self.last)
        trace = np.zeros(len(self.ids))
        elapsed = (now.timestamp() - self.last[seen]) / DAY
        trace[seen] = forgetting_curve(elapsed, self.stability[seen], self.decay)
        return self.prior + (1.0 - self.prior) * trace

    def study(self, question_id: str, correct: bool, now: datetime) -> None:
        """The learner answered and then saw the answer: the trace is reviewed as FSRS-6
        would (Again after a wrong answer, Good after a right one)."""
        card = self._cards.get(question_id) or fsrs.Card(card_id=1, due=now)
        rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
        card, _ = self._scheduler.review_card(card, rating, now)
        self._cards[question_id] = card
        i = self.index[question_id]
        assert card.stability is not None
        self.stability[i] = card.stability
        self.last[i] = now.timestamp()


@dataclass(frozen=True)
class Cohort:
    """A study group and the bank as they know it before studying."""

    learners: tuple[Traits, ...]
    concept_prior: Mapping[str, float]  # mean chance of knowing a question, by concept
    priors: Mapping[str, Mapping[str, float]]  # learner name -> question id -> prior

    def memories(self) -> list[Memory]:
        return [Memory(t, self.priors[t.name]) for t in self.learners]


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def make_cohort(
    size: int,
    questions: Sequence[tuple[str, str, int]],
    seed: int,
    participation: float = 0.7,
) -> Cohort:
    """`size` learners for questions given as (id, concept, difficulty 1..3).

    Concepts differ in how much a newcomer already knows (5 % to 45 %); learners
    differ in ability and learning rate (lognormal, median 1); questions differ in
    difficulty. The same seed gives the same cohort.
    """
    rng = random.Random(f"cohort:{seed}")
    concepts = sorted({c for _, c, _ in questions})
    concept_prior = {c: rng.uniform(*PRIOR_RANGE) for c in concepts}
    effect = {
        qid: -0.4 * (difficulty - 2) + rng.gauss(0.0, 0.4) for qid, _, difficulty in questions
    }
    learners = []
    priors: dict[str, dict[str, float]] = {}
    for n in range(size):
        rate = min(max(math.exp(rng.gauss(0.0, 0.5)), 0.25), 4.0)
        traits = Traits(
            name=f"learner{n + 1:02d}",
            parameters=learner_parameters(rate),
            learning_rate=rate,
            participation=min(max(rng.gauss(participation, 0.15), 0.2), 1.0),
            ability=rng.gauss(0.0, 0.5),
        )
        learners.append(traits)
        priors[traits.name] = {
            qid: _sigmoid(_logit(concept_prior[c]) + traits.ability + effect[qid])
            for qid, c, _ in questions
        }
    return Cohort(tuple(learners), concept_prior, priors)
