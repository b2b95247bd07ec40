"""Exam readiness: the estimate on learners whose card states and answers are known."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.core import readiness, srs
from bot.core.ports import Who
from bot.core.records import AnswerRecord
from bot.core.srs import CardState
from tests.core.conftest import ANA, PLACE, START, World, make_bank

BANK = make_bank()  # concepts alpha, beta, gamma with six questions each
TITLES = {c.id: c.title for c in BANK.concepts}
DECAY = 0.1542  # FSRS-6's default decay
FACTOR = 0.9 ** (-1 / DECAY) - 1


def answer(qid: str, correct: bool, at: datetime) -> AnswerRecord:
    return AnswerRecord(
        learner_id=1,
        question_id=qid,
        tenant_id=1,
        channel="#study",
        post_id=None,
        choice=0,
        correct=correct,
        latency_ms=20_000,
        rating=3 if correct else 1,
        points=0,
        answered_at=at,
    )


def good_card(at: datetime) -> CardState:
    """A question first answered right at `at`: FSRS-6's first stability for Good."""
    return srs.review(srs.new_card(at), srs.Grade.GOOD, at)


def test_the_estimate_of_a_learner_with_known_cards() -> None:
    """Alpha, all six seen two days ago: each question's prior plus the fading memory of
    it; beta and gamma, unseen: their priors alone; the score is the mean over the bank."""
    studied = START - timedelta(days=2)
    alpha = [q.id for q in BANK.questions if q.concept == "alpha"]
    answers = [answer(qid, n % 2 == 0, studied) for n, qid in enumerate(alpha)]
    cards = {qid: good_card(studied) for qid in alpha}

    view = readiness.estimate("Ana", BANK.questions, TITLES, cards, answers, START, 10)

    priors = readiness.fit_priors(readiness.first_answers(answers), BANK.questions)
    stability = cards[alpha[0]].stability
    assert stability is not None
    recall = (1 + FACTOR * 2 / stability) ** -DECAY
    chance = {
        q.id: priors.of_question[q.id] + (1 - priors.of_question[q.id]) * recall
        if q.id in cards
        else priors.of_question[q.id]
        for q in BANK.questions
    }
    by_concept = {c.concept: c for c in view.concepts}
    for concept in ("alpha", "beta", "gamma"):
        mine = [chance[q.id] for q in BANK.questions if q.concept == concept]
        assert by_concept[concept].chance == pytest.approx(sum(mine) / len(mine))
    assert (by_concept["alpha"].seen, by_concept["beta"].seen) == (6, 0)
    assert view.score == pytest.approx(sum(chance.values()) / len(chance))
    assert view.low < view.score < view.high
    assert view.study_next[:2] in (("beta", "gamma"), ("gamma", "beta"))
    assert "alpha" not in view.study_next
    assert view.pace == 2 and view.pace_measured  # six answers over the three days since


def test_priors_follow_the_first_answers() -> None:
    """No answers: every prior is the default. Alpha all right, beta all wrong: alpha's
    priors rise above the unseen gamma's, beta's fall below them."""
    empty = readiness.fit_priors({}, BANK.questions)
    assert all(p == pytest.approx(readiness.PRIOR_DEFAULT) for p in empty.of_question.values())
    first = {q.id: q.concept == "alpha" for q in BANK.questions if q.concept != "gamma"}
    priors = readiness.fit_priors(first, BANK.questions)

    def mean(concept: str) -> float:
        mine = [priors.of_question[q.id] for q in BANK.questions if q.concept == concept]
        return sum(mine) / len(mine)

    assert mean("alpha") > mean("gamma") > mean("beta")
    assert priors.concept_sd["gamma"] > priors.concept_sd["alpha"]  # no answers: less sure


def test_what_hard_questions_showed_carries_over_to_unseen_ones() -> None:
    """Easy questions right and hard ones wrong in alpha and beta: gamma's unseen hard
    questions get a lower prior than its easy ones."""
    first = {
        q.id: q.difficulty == 1
        for q in BANK.questions
        if q.concept != "gamma" and q.difficulty in (1, 3)
    }
    priors = readiness.fit_priors(first, BANK.questions)
    gamma = [q for q in BANK.questions if q.concept == "gamma"]
    easy = [priors.of_question[q.id] for q in gamma if q.difficulty == 1]
    hard = [priors.of_question[q.id] for q in gamma if q.difficulty == 3]
    assert min(easy) > max(hard)


def test_a_concept_above_the_target_needs_no_more_days() -> None:
    """Every alpha card reviewed an hour ago with a right first answer: above 80 %, zero days;
    the unseen concepts need a positive number of days at ten cards a day."""
    studied = START - timedelta(hours=1)
    alpha = [q.id for q in BANK.questions if q.concept == "alpha"]
    answers = [answer(qid, True, studied) for qid in alpha]
    cards = {qid: good_card(studied) for qid in alpha}
    view = readiness.estimate("Ana", BANK.questions, TITLES, cards, answers, START, 10)
    by_concept = {c.concept: c for c in view.concepts}
    assert by_concept["alpha"].chance > readiness.TARGET
    assert by_concept["alpha"].days_to_target == 0
    beta_days = by_concept["beta"].days_to_target
    assert beta_days is not None and 0 < beta_days <= readiness.HORIZON_DAYS


def test_a_newcomer_gets_the_default_prior_and_an_assumed_pace() -> None:
    """No answers at all: every concept at PRIOR_DEFAULT, pace assumed, a wide range."""
    view = readiness.estimate("New", BANK.questions, TITLES, {}, [], START, 10)
    assert all(c.chance == pytest.approx(readiness.PRIOR_DEFAULT) for c in view.concepts)
    assert view.pace == 10 and not view.pace_measured
    assert view.high - view.low > 0.2
    assert len(view.study_next) == readiness.STUDY_NEXT


def test_recall_counts_fractions_of_a_day() -> None:
    """A card failed twelve hours ago is no longer sure, though fsrs rounds to zero days."""
    failed = srs.review(srs.new_card(START), srs.Grade.AGAIN, START)
    later = START + timedelta(hours=12)
    assert srs.retrievability(failed, later) == 1.0
    assert 0.5 < readiness.recall_now(failed, later) < 0.95


def test_more_review_at_the_same_pace_never_takes_longer() -> None:
    """Days to the target shrink (or stay) when the pace grows."""
    unseen: list[CardState | None] = [None] * 12
    priors = [0.3] * 12
    slow = readiness.days_to_target(unseen, priors, 2, START)
    fast = readiness.days_to_target(unseen, priors, 12, START)
    assert slow is not None and fast is not None and fast <= slow


async def test_the_use_case_reads_the_learners_own_cards(world: World) -> None:
    """Through the service: a review answered right shows as seen in its concept, and a
    stranger's readiness creates no learner."""
    card = await world.service.start_review(PLACE, ANA)
    assert card is not None
    question = world.question(card.question)
    await world.advance(timedelta(seconds=20))
    await world.service.answer_review(PLACE, ANA, card.session_id, question.answer)
    view = await world.service.readiness(PLACE, ANA)
    by_concept = {c.concept: c for c in view.concepts}
    assert by_concept[question.concept].seen == 1
    assert view.answered == 1 and view.name == "Ana"
    stranger = Who("test", "u-zed", "Zed")
    empty = await world.service.readiness(PLACE, stranger)
    assert empty.answered == 0
    async with world.repo.unit(readonly=True) as u:
        assert await u.find_learner("test", "u-zed") is None
