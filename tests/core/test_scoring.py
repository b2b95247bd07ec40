"""Points, streaks and quiz windows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from bot.core import scoring
from tests.core.conftest import make_question

WINDOW = timedelta(seconds=30)


def test_points_reward_correct_drill_and_quiz_answers_only() -> None:
    """Drill right: 10; quiz right: 5 (+2 when fast); wrong or review: 0."""
    assert scoring.points_for("drill", True, timedelta(hours=3), timedelta(hours=8)) == 10
    assert scoring.points_for("quiz", True, timedelta(seconds=20), WINDOW) == 5
    assert scoring.points_for("quiz", True, timedelta(seconds=5), WINDOW) == 7
    assert scoring.points_for("drill", False, timedelta(0), WINDOW) == 0
    assert scoring.points_for("review", True, timedelta(0), WINDOW) == 0


def test_streak_counts_consecutive_local_days() -> None:
    """Three days in a row make a 3-day streak; a gap resets it."""
    times = [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (10, 12, 13, 14)]
    assert scoring.streak(times, "UTC", date(2026, 1, 14)) == 3


def test_streak_survives_until_the_day_is_over() -> None:
    """Yesterday's streak still counts this morning, before today's answer."""
    times = [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (12, 13)]
    assert scoring.streak(times, "UTC", date(2026, 1, 14)) == 2
    assert scoring.streak(times, "UTC", date(2026, 1, 15)) == 0


def test_streak_days_are_local_days() -> None:
    """23:30 UTC answers count for the next day in Tokyo."""
    times = [datetime(2026, 1, 13, 23, 30, tzinfo=UTC), datetime(2026, 1, 14, 12, tzinfo=UTC)]
    assert scoring.streak(times, "UTC", date(2026, 1, 14)) == 2
    assert scoring.streak(times, "Asia/Tokyo", date(2026, 1, 14)) == 1


def test_longer_questions_get_longer_quiz_windows() -> None:
    """The window grows with the text to read and is capped."""
    short = make_question("q-short", "alpha")
    long = dataclasses.replace(short, prompt="x" * 300)
    assert scoring.quiz_window(long, 20) > scoring.quiz_window(short, 20)
    assert scoring.quiz_window(long, 200) == timedelta(seconds=scoring.QUIZ_MAX_SECONDS)
