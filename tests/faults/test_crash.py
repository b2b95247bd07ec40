"""A real `studybot run` killed with SIGKILL at chosen moments, then restarted: nothing
confirmed is lost, nothing is posted twice, and no quiz round stays stuck.

The moment is chosen with the STUDYBOT_CRASH_AT test seam (bot/faults.py); each
test runs on a SQLite file and on a Postgres schema.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.test_console import studybot
from tests.storage.backends import BACKENDS, open_backend

START = "2026-01-15T07:00:00Z"
LATER = "2026-01-15T20:00:00Z"


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    backend = await open_backend(request.param, tmp_path)
    try:
        yield backend.url
    finally:
        await backend.cleanup()


def killed(result: object) -> bool:
    return getattr(result, "returncode", None) == -signal.SIGKILL


def test_a_confirmed_answer_survives_a_kill(database_url: str) -> None:
    """Killed right after 'Locked in': after the restart the answer counts and is revealed once."""
    script = "/as ana\n/drill now\nb\n"
    first = studybot(
        database_url,
        "run",
        "--simulated-clock",
        START,
        script=script,
        extra_env={"STUDYBOT_CRASH_AT": "after-receipt"},
    )
    assert killed(first) and "Locked in: b." in first.stdout
    second = studybot(database_url, "run", "--simulated-clock", LATER, script="/as ana\n/stats\n")
    assert second.returncode == 0, second.stderr
    assert "Answered: 1," in second.stdout
    assert second.stdout.count("[Daily drill reveal]") == 1
    assert " of 1 got it right." in second.stdout


def test_a_claimed_reveal_is_posted_after_a_kill(database_url: str) -> None:
    """Killed after the close was recorded but before the reveal reached the channel: the
    restart posts that reveal, once, and a later run posts nothing again."""
    script = "/as ana\n/drill now\nb\n/advance 9h\n"
    first = studybot(
        database_url,
        "run",
        "--simulated-clock",
        START,
        script=script,
        extra_env={"STUDYBOT_CRASH_AT": "before-post:reveal"},
    )
    assert killed(first) and "reveal]" not in first.stdout
    second = studybot(database_url, "run", "--simulated-clock", LATER, script="/as ana\n")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("[Daily drill reveal]") == 1
    third = studybot(database_url, "run", "--simulated-clock", LATER, script="/as ana\n")
    assert "reveal]" not in third.stdout


def test_a_quiz_round_resumes_after_a_kill(database_url: str) -> None:
    """Killed as the first question's reveal was due: after the restart the reveal and the
    round's scoreboard are posted once, and a new quiz can start in the channel."""
    script = "/as ana\n/quiz e2e.demo 1\nb\n"
    first = studybot(
        database_url,
        "run",
        "--simulated-clock",
        START,
        script=script,
        extra_env={"STUDYBOT_CRASH_AT": "before-post:reveal"},
    )
    assert killed(first) and "[Quiz 1/1]" in first.stdout
    second = studybot(
        database_url, "run", "--simulated-clock", LATER, script="/as ana\n/quiz e2e.demo 1\n"
    )
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert out.count("[Quiz 1/1 reveal]") == 1 and out.count("Quiz over: round scores") == 1
    assert "already running" not in out and out.count("[Quiz 1/1]") == 1


def test_a_question_in_flight_is_posted_once_after_a_kill(database_url: str) -> None:
    """Killed as the drill question was about to reach the channel: the restart posts it once."""
    first = studybot(
        database_url,
        "run",
        "--simulated-clock",
        START,
        script="/as ana\n/drill now\n",
        extra_env={"STUDYBOT_CRASH_AT": "before-post:question"},
    )
    assert killed(first) and "[Daily drill]" not in first.stdout
    second = studybot(database_url, "run", "--simulated-clock", START, script="/as ana\nb\n")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("[Daily drill]") == 1 and "Locked in: b." in second.stdout


def test_a_kill_during_the_first_migration_leaves_a_database_that_starts(tmp_path: Path) -> None:
    """Killed with the schema upgraded but not committed: the next start migrates and runs."""
    db = tmp_path / "fresh.db"
    first = studybot(db, "run", script="/topics\n", extra_env={"STUDYBOT_CRASH_AT": "migrated"})
    assert killed(first)
    second = studybot(db, "run", script="/as ana\n/topics\n")
    assert second.returncode == 0, second.stderr
    assert "e2e.demo" in second.stdout
