"""The console end to end: `studybot run` as a subprocess on a temp SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.storage.backends import BACKENDS, open_backend

PACKS = Path(__file__).parent / "packs"


def studybot(
    db: Path | str, *args: str, script: str = "", extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI on a SQLite file (a Path) or any DATABASE_URL (a str)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN")}
    env.update(
        {
            "DATABASE_URL": db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}",
            "QUESTIONS_PATH": str(PACKS),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_piped_review_session_prints_question_feedback_stats_and_board(tmp_path: Path) -> None:
    """The README's one-liner: a question, a graded result with its explanation, stats, a board."""
    result = studybot(
        tmp_path / "s.db", "run", script="/as ana\n/review\na\n/stats\n/leaderboard all\n"
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[Review 1/10]" in out and "  a) " in out
    assert ("Correct: a)" in out) or ("Not quite. You chose a" in out)
    assert "Next review of this card:" in out and "[Review 2/10]" in out
    assert "Stats for ana" in out and "Answered: 1," in out
    assert "Leaderboard: all time" in out
    assert "Traceback" not in out + result.stderr


DAY_ONE = """\
/as ana
/drill set 09:00 Europe/Berlin window=2h concept=e2e.demo
/advance 90m
b
/as bob
a
/advance 3h
/leaderboard week
"""

DAY_ONE_LATER = """\
/as ana
/leaderboard all
/stats
/drill status
"""


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated SQLite file or Postgres schema, as a DATABASE_URL."""
    backend = await open_backend(request.param, tmp_path)
    try:
        yield backend.url
    finally:
        await backend.cleanup()


def test_a_simulated_day_of_drills_survives_a_restart(database_url: str) -> None:
    """Drill fires at 08:00 UTC (09:00 Berlin), Ana right and Bob wrong, reveal 1 of 2,
    Ana leads the week; a second run on the same database still has all of it and posts
    nothing twice. Runs on SQLite and on Postgres."""
    db = database_url
    first = studybot(db, "run", "--simulated-clock", "2026-01-15T07:00:00Z", script=DAY_ONE)
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert "Daily drill at 09:00 Europe/Berlin" in out
    assert "closes 2026-01-15 10:00 UTC" in out  # fired 08:00 UTC with a 2h window
    assert out.count("[Daily drill]") == 1
    assert "Locked in: b." in out and "Locked in: a." in out
    reveal = out[out.index("[Daily drill reveal]") :]
    assert "Answer: b) When the drill's answer window closes" in reveal
    assert "Not a: Revealing at the first answer" in reveal
    assert "1 of 2 got it right." in reveal and "Correct: ana" in reveal
    board = out[out.index("Leaderboard: week of 2026-01-12") :]
    assert board.index("1. ana: 10 pts") < board.index("2. bob: 0 pts")

    second = studybot(db, "run", "--simulated-clock", "2026-01-15T12:00:00Z", script=DAY_ONE_LATER)
    later = second.stdout
    assert second.returncode == 0, second.stderr
    assert "1. ana: 10 pts (1/1 correct)" in later and "2. bob: 0 pts (0/1 correct)" in later
    assert "Answered: 1, correct: 1 (100%)" in later
    assert "Next: 2026-01-16 (2026-01-16 08:00 UTC)" in later
    assert "[Daily drill]" not in later and "reveal]" not in later  # nothing runs twice


def test_a_quiz_round_closes_each_question_when_everyone_answered(tmp_path: Path) -> None:
    """Ana and Bob present: the question is revealed after both answer, then the scoreboard."""
    script = "/as bob\n/as ana\n/quiz e2e.demo 1\nb\n/as bob\nb\n"
    result = studybot(tmp_path / "q.db", "run", "--simulated-clock", script=script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[Quiz 1/1]" in out and "[Quiz 1/1 reveal]" in out
    assert "2 of 2 got it right." in out
    assert "Quiz over: round scores" in out and "1. ana: 7 pts" in out


BAD = """\
/dance
/drill set 25:00 UTC
/drill set 09:00 Mars/Base
/drill set 09:00 UTC concept=astrology
/quiz astrology
b
/drill now
/as ana
b
b
/advance 9h
a
/advance soon
hello there
"""


def test_bad_input_gets_one_clear_line_and_never_a_traceback(tmp_path: Path) -> None:
    """Unknown command, bad time, bad zone, unknown concept, nothing open, twice, closed."""
    result = studybot(tmp_path / "bad.db", "run", "--simulated-clock", script=BAD)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    errors = [line for line in out.splitlines() if line.startswith("! ")]
    expected = [
        "Unknown command '/dance'",
        "Bad time '25:00'. Use 24-hour HH:MM",
        "Unknown time zone 'Mars/Base'. Use an IANA zone",
        "Unknown concept 'astrology'. Known concepts: models.basics",
        "Unknown concept 'astrology'",
        "There is no open question here",
        "You already answered this one",
        "There is no open question here",
        "Bad duration 'soon'",
        "'hello there' is neither a command nor an answer",
    ]
    assert len(errors) == len(expected), errors
    for line, start in zip(errors, expected, strict=True):
        assert line[2:].startswith(start), (line, start)
    assert "Traceback" not in out + result.stderr


def test_an_unwritable_database_path_fails_with_one_line(tmp_path: Path) -> None:
    """A DATABASE_URL in a missing folder, or under a file, exits non-zero with a clear line."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for db in (tmp_path / "missing" / "x.db", a_file / "x.db"):
        result = studybot(db, "run", script="/stats\n")
        assert result.returncode == 1, result.stdout
        assert "Traceback" not in result.stderr + result.stdout
        assert str(db.parent) in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_starting_a_quiz_ends_a_review_batch(tmp_path: Path) -> None:
    """After /review then /quiz, a typed letter answers the quiz, not the review card."""
    script = "/as ana\n/review\n/quiz e2e.demo 1\nb\n"
    result = studybot(tmp_path / "r.db", "run", "--simulated-clock", script=script)
    assert result.returncode == 0, result.stderr
    assert "[Quiz 1/1 reveal]" in result.stdout and "1 of 1 got it right." in result.stdout
    assert "Next review of this card" not in result.stdout


def test_a_broken_extra_pack_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """One bad user pack never takes the bot down: it is named on stderr and left out."""
    extra = tmp_path / "packs"
    extra.mkdir()
    (extra / "broken.yaml").write_text("questions:\n  - id: [unclosed\n")
    result = studybot(
        tmp_path / "x.db",
        "run",
        script="/topics\n",
        extra_env={"QUESTIONS_PATH": f"{PACKS}:{extra}"},
    )
    assert result.returncode == 0, result.stderr
    assert "broken.yaml" in result.stderr and "Traceback" not in result.stderr
    assert "e2e.demo" in result.stdout and "exam.traps" in result.stdout


def test_version_and_migrate(tmp_path: Path) -> None:
    """`studybot --version` names the version; `studybot migrate` creates the database file."""
    version = studybot(tmp_path / "v.db", "--version")
    assert version.returncode == 0 and version.stdout.startswith("studybot ")
    db = tmp_path / "m.db"
    migrated = studybot(db, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert db.is_file() and "up to date" in migrated.stdout


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("STUDYBOT_TIMEZONE", "Mars/Base", "Unknown time zone 'Mars/Base'"),
        ("STUDYBOT_TIMEZONE", "Europe", "Unknown time zone 'Europe'"),
        ("SLACK_HTTP_PORT", "99999", "less than or equal to 65535"),
        ("QUIZ_COUNT", "0", "greater than or equal to 1"),
        ("DISCORD_GUILD_ID", "abc", "valid integer"),
        ("LOG_LEVEL", "chatty", "use one of DEBUG"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    """Start-up refuses a bad setting with one line naming the variable, and no traceback."""
    result = studybot(tmp_path / "t.db", "run", extra_env={name: value})
    assert result.returncode == 1
    assert f"{name}: " in result.stderr and said in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_from_a_newer_build_is_one_line(tmp_path: Path) -> None:
    """A schema revision this build does not know stops start-up with one line naming both."""
    import sqlite3

    db = tmp_path / "newer.db"
    assert studybot(db, "migrate").returncode == 0
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    result = studybot(db, "run")
    assert result.returncode == 1
    assert "revision 0099_future, newer than this build" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_database_that_is_down_is_one_line(tmp_path: Path) -> None:
    """Nothing listening at the Postgres address: one line naming the database, exit 1."""
    url = "postgresql+asyncpg://postgres@127.0.0.1:9/test"
    result = studybot(url, "run")
    assert result.returncode == 1
    assert f"Cannot open the database {url}" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_stats_chart_is_a_png_that_opens(tmp_path: Path) -> None:
    """The issue's one-liner: a quiz answer, then /stats names a PNG file that opens as an image."""
    from matplotlib import image

    result = studybot(tmp_path / "c.db", "run", script="/as ana\n/quiz\na\n/stats\n")
    assert result.returncode == 0, result.stderr
    [line] = [x for x in result.stdout.splitlines() if x.strip().startswith("Chart: ")]
    chart = Path(line.split("Chart: ", 1)[1])
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = image.imread(chart).shape
    assert width > 400 and height > 200
