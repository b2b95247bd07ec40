"""FSRS behind review(): grades map to ratings, and nothing is mutated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import srs
from bot.core.srs import Grade

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_wrong_answer_is_again_never_hard() -> None:
    """A wrong answer grades Again whatever its speed; Hard is never produced."""
    for latency in (timedelta(seconds=1), timedelta(minutes=5), None):
        assert srs.grade_for(False, latency, timedelta(seconds=8)) == Grade.AGAIN
    assert 2 not in {int(g) for g in Grade}  # fsrs Rating.Hard == 2


def test_right_answer_is_good_and_fast_right_is_easy() -> None:
    """Right is Good; right within the easy threshold is Easy."""
    assert srs.grade_for(True, timedelta(seconds=30), timedelta(seconds=8)) == Grade.GOOD
    assert srs.grade_for(True, timedelta(seconds=3), timedelta(seconds=8)) == Grade.EASY
    assert srs.grade_for(True, timedelta(seconds=3), None) == Grade.GOOD


def test_review_returns_a_new_state_and_leaves_the_input_alone() -> None:
    """review() is pure: the old card is unchanged, the new one is later and counted."""
    card = srs.new_card(NOW)
    after = srs.review(card, Grade.GOOD, NOW)
    assert card == srs.new_card(NOW)
    assert after.due > NOW and after.last_review == NOW and after.reps == 1


def test_right_answers_space_out_and_a_lapse_brings_the_card_back_soon() -> None:
    """Good reviews push the due date out; Again after that makes it due within the day."""
    card, now = srs.new_card(NOW), NOW
    for _ in range(4):
        card = srs.review(card, Grade.GOOD, now)
        now = card.due
    assert card.due - now >= timedelta(0)
    long_interval = card.due - card.last_review  # type: ignore[operator]
    assert long_interval > timedelta(days=3)
    lapsed = srs.review(card, Grade.AGAIN, now)
    assert lapsed.due - now < timedelta(days=1)
    assert lapsed.lapses == 1


def test_retrievability_falls_with_time_and_is_zero_for_unseen_cards() -> None:
    """Recall probability decays after a review; an unseen card has none."""
    assert srs.retrievability(srs.new_card(NOW), NOW) == 0.0
    card = srs.review(srs.review(srs.new_card(NOW), Grade.GOOD, NOW), Grade.GOOD, NOW)
    soon = srs.retrievability(card, NOW + timedelta(days=1))
    later = srs.retrievability(card, NOW + timedelta(days=30))
    assert 1.0 >= soon > later > 0.0


def test_naive_datetimes_are_refused() -> None:
    """Times are aware UTC everywhere: a naive datetime is an error, not a guess."""
    with pytest.raises(ValueError, match="naive"):
        srs.new_card(datetime(2026, 1, 1))


def test_fuzzing_spreads_due_dates_only_when_asked() -> None:
    """Production spreads a long interval's due date; without fuzz the schedule is exact."""
    from datetime import UTC, datetime, timedelta

    from bot.core.srs import Grade, new_card, review

    start = datetime(2026, 1, 1, tzinfo=UTC)
    card = new_card(start)
    for day in range(0, 60, 6):  # several good reviews: a long interval, where fuzz applies
        card = review(card, Grade.GOOD, start + timedelta(days=day))
    at = start + timedelta(days=61)
    exact = {review(card, Grade.GOOD, at).due for _ in range(5)}
    spread = {review(card, Grade.GOOD, at, fuzz=True).due for _ in range(40)}
    assert len(exact) == 1 and len(spread) > 1
