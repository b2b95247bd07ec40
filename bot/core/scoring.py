"""Points, streaks and answer windows: the rules the README documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from bot.core.questions import Question
from bot.core.schedules import local_date

DRILL_POINTS = 10
QUIZ_POINTS = 5
QUIZ_FAST_BONUS = 2
QUIZ_MAX_SECONDS = 90


def points_for(kind: str, correct: bool, latency: timedelta, window: timedelta) -> int:
    """Correct drill: 10. Correct quiz: 5, +2 within the first third of the window. Review: 0."""
    if not correct:
        return 0
    if kind == "drill":
        return DRILL_POINTS
    if kind == "quiz":
        return QUIZ_POINTS + (QUIZ_FAST_BONUS if latency <= window / 3 else 0)
    return 0


def streak(answer_times: Iterable[datetime], timezone: str, today: date) -> int:
    """Consecutive local days with at least one answer, ending today (or yesterday,
    so a streak is not lost before the learner had a chance to answer today)."""
    days = {local_date(t, timezone) for t in answer_times}
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def quiz_window(question: Question, base_seconds: int) -> timedelta:
    """Longer questions get longer: about one second per 15 characters to read."""
    reading = len(question.prompt) + sum(len(c) for c in question.choices)
    return timedelta(seconds=min(QUIZ_MAX_SECONDS, base_seconds + reading // 15))
