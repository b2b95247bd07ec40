"""Which question comes next: unseen ones for review, fresh ones for quizzes, mastery."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import fsrs

from bot.core import selection, srs
from bot.core.clock import SystemClock
from tests.core.conftest import make_question

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_new_questions_take_the_hardest_first_and_concepts_in_turn() -> None:
    """Among equally hard questions, concepts alternate; easier ones come after; seen skipped."""
    pool = [
        make_question("a1", "a", difficulty=3),
        make_question("a2", "a", difficulty=3),
        make_question("a3", "a", difficulty=3),
        make_question("b1", "b", difficulty=3),
        make_question("b2", "b", difficulty=3),
        make_question("easy", "b", difficulty=1),
        make_question("mid", "a", difficulty=2),
    ]
    picked = selection.new_questions(pool, seen={"a2"}, limit=10)
    assert [q.id for q in picked] == ["a1", "b1", "a3", "b2", "mid", "easy"]
    assert [q.id for q in selection.new_questions(pool, seen=set(), limit=2)] == ["a1", "b1"]


def test_quizzes_prefer_questions_the_channel_has_not_seen() -> None:
    """Fresh questions first; recent ones only fill up what is missing; no duplicates."""
    pool = [make_question(f"q{n}", "a") for n in range(5)]
    recent = ["q0", "q1", "q2"]
    for seed in range(5):
        picked = [q.id for q in selection.pick_quiz_questions(pool, 3, recent, random.Random(seed))]
        assert set(picked[:2]) == {"q3", "q4"} and picked[2] in recent
        assert len(set(picked)) == 3


def test_a_drill_avoids_the_last_ten_drills_while_others_remain() -> None:
    """With no learners a drill is drawn among questions not in the channel's last ten."""
    pool = [make_question(f"q{n}", "a") for n in range(12)]
    recent = [f"q{n}" for n in range(11)]  # the 11th is older than the last ten
    drawn = {
        selection.pick_drill_question(pool, recent, [], {}, NOW, random.Random(s)).id
        for s in range(20)
    }
    assert drawn == {"q10", "q11"}
    every = selection.pick_drill_question(pool[:2], ["q0", "q1"], [], {}, NOW, random.Random(1))
    assert every.id in {"q0", "q1"}


def test_mastery_needs_long_term_review_and_three_weeks_of_stability() -> None:
    """Review state with stability 21 days is mastered; 20.9 or a learning card is not."""
    card = srs.review(srs.new_card(NOW), srs.Grade.EASY, NOW)
    review = replace(card, state=int(fsrs.State.Review), stability=21.0)
    assert srs.is_mastered(review)
    assert not srs.is_mastered(replace(review, stability=20.9))
    assert not srs.is_mastered(replace(review, state=int(fsrs.State.Learning), stability=40.0))
    assert not srs.is_mastered(replace(review, stability=None))


def test_an_unseen_question_sits_between_a_recalled_and_a_forgotten_due_card() -> None:
    """Usefulness: unseen 0.8; a card past due adds 0.5 to what the learner forgot."""
    card = srs.review(srs.new_card(NOW), srs.Grade.GOOD, NOW)
    assert selection.usefulness(None, NOW) == selection.UNSEEN_VALUE == 0.8
    later = card.due + timedelta(days=2)
    forgot = 1.0 - srs.retrievability(card, later)
    assert selection.usefulness(card, later) == forgot + 0.5
    before = card.due - timedelta(seconds=1)
    assert selection.usefulness(card, before) == 1.0 - srs.retrievability(card, before)
    assert selection.usefulness(card, card.due) < selection.UNSEEN_VALUE  # still recalled
    failed = srs.review(srs.new_card(NOW), srs.Grade.AGAIN, NOW)
    assert selection.usefulness(failed, NOW + timedelta(days=5)) > selection.UNSEEN_VALUE


def test_the_system_clock_is_aware_utc() -> None:
    """Every instant inside the core is timezone-aware UTC, the real clock's too."""
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_a_card_due_this_instant_counts_as_overdue() -> None:
    """The overdue bonus starts at the due instant itself."""
    card = srs.review(srs.new_card(NOW), srs.Grade.GOOD, NOW)
    forgot = 1.0 - srs.retrievability(card, card.due)
    assert selection.usefulness(card, card.due) == forgot + 0.5


def test_a_card_without_stability_has_no_recall() -> None:
    """A card missing its stability counts as never learned (recall 0), not an error."""
    card = srs.review(srs.new_card(NOW), srs.Grade.GOOD, NOW)
    assert srs.retrievability(replace(card, stability=None), NOW) == 0.0


def test_a_new_card_climbs_the_learning_steps() -> None:
    """Good on a new card: again in 10 minutes; Good again: in review, days away."""
    card = srs.new_card(NOW)
    assert (card.state, card.step, card.reps, card.last_review) == (1, 0, 0, None)
    once = srs.review(card, srs.Grade.GOOD, NOW)
    assert (once.state, once.due - NOW) == (1, timedelta(minutes=10))
    twice = srs.review(once, srs.Grade.GOOD, once.due)
    assert twice.state == 2 and twice.due - once.due >= timedelta(days=1)
    assert (twice.reps, twice.lapses, twice.last_review) == (2, 0, once.due)
