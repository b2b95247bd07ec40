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
    """Alpha, all six seen two days ago (three first answers right): prior plus fading
    memory; beta and gamma, unseen: the prior of the learner's overall first answers."""
    studied = START - timedelta(days=2)
    alpha = [q.id for q in BANK.questions if q.concept == "alpha"]
    answers = [answer(qid, n % 2 == 0, studied) for n, qid in enumerate(alpha)]
    cards = {qid: good_card(studied) for qid in alpha}

    view = readiness.estimate("Ana", BANK.questions, TITLES, cards, answers, START, 10)

    overall = (3 + 5 * 0.25) / (6 + 5)  # three of six first answers right, shrunk to 1/4
    alpha_prior = (3 + 5 * overall) / (6 + 5)
    stability = cards[alpha[0]].stability
    assert stability is not None
    recall = (1 + FACTOR * 2 / stability) ** -DECAY
    alpha_chance = alpha_prior + (1 - alpha_prior) * recall
    by_concept = {c.concept: c for c in view.concepts}
    assert by_concept["alpha"].chance == pytest.approx(alpha_chance)
    assert by_concept["beta"].chance == pytest.approx(overall)
    assert by_concept["gamma"].chance == pytest.approx(overall)
    assert (by_concept["alpha"].seen, by_concept["beta"].seen) == (6, 0)
    assert view.score == pytest.approx((alpha_chance + 2 * overall) / 3)
    assert view.low < view.score < view.high
    assert view.study_next[:2] == ("beta", "gamma") and "alpha" not in view.study_next
    assert view.pace == 2 and view.pace_measured  # six answers over the three days since


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
    slow = readiness.days_to_target(unseen, 0.3, 2, START)
    fast = readiness.days_to_target(unseen, 0.3, 12, START)
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
