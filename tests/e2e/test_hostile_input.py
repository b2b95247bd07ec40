"""Odd and hostile console input: one clear line each, no traceback, and the data still whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_console import PACKS

START = "2026-01-15T07:00:00Z"

# (what is typed, a piece of the one `!` line it must produce)
CASES = [
    (b"\xff\xfe hello", "not valid UTF-8"),
    (b"/as \x00\x01", "at least one visible character"),
    (b"/as    ", "Usage: /as NAME"),
    (b"/drill set 09:00 UTC window=30s", "between 1 minute and 23 hours"),
    (b"/drill set 09:00 UTC window=99999999999999999999d", "Bad duration"),
    (b"/drill set 09:00 Europe", "Unknown time zone 'Europe'"),
    (b"/drill set 09:00 ../../etc/passwd", "Unknown time zone"),
    (b"/advance 3000000d", "too long"),
    (b"/advance 1000d", "at most 60d"),
    (b"/quiz e2e.demo 0", "1 to 20"),
    (b"/quiz nope", "Unknown concept 'nope'"),
    (b"/leaderboard month", "'week' or 'all'"),
    (b"/board someday", "Unknown day"),
    (b"/timezone Mars/Base", "Unknown time zone 'Mars/Base'"),
    (b'/as "unbalanced', "Could not read that line"),
]


def run_script(db: Path, script: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN")}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{db}", QUESTIONS_PATH=str(PACKS), LOG_LEVEL="WARNING"
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--simulated-clock", START],
        input=script,
        capture_output=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(("typed", "said"), CASES, ids=[c[1] for c in CASES])
def test_odd_input_gets_one_clear_line(tmp_path: Path, typed: bytes, said: str) -> None:
    """Each odd line is refused with one specific `!` line; stats and export still work after."""
    script = b"/as ana\n/quiz e2e.demo 1\nb\n" + typed + b"\n/stats\n/export-me\n"
    result = run_script(tmp_path / "h.db", script)
    out = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 0, result.stderr
    problems = [line for line in out.splitlines() if line.startswith("! ")]
    assert len(problems) == 1 and said in problems[0], (problems, result.stderr[-2000:])
    assert "Something went wrong" not in out and b"Traceback" not in result.stderr
    assert "Stats for ana" in out and "Answered: 1," in out
    exported = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert exported["learner"]["display_name"] == "ana" and len(exported["answers"]) == 1


def test_a_huge_name_is_trimmed_not_stored_whole(tmp_path: Path) -> None:
    """A megabyte name is cut to 80 visible characters; the learner still works."""
    script = b"/as " + b"x" * 1_000_000 + b"\n/stats\n"
    result = run_script(tmp_path / "n.db", script)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "Stats for " + "x" * 80 + "\n" in out
