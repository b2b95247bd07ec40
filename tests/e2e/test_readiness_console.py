"""`/readiness` in the console, end to end: `studybot run` as a subprocess on a temp SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import SHIPPED_QUESTIONS
from bot.core.packs import load_bank
from tests.e2e.test_console import PACKS, studybot

SESSION = "/as ana\n/review\na\nb\na\na\n/readiness\n"


def test_readiness_after_a_review_session_lists_every_concept_and_what_next(
    tmp_path: Path,
) -> None:
    """After four review answers, every concept of the bank has a percentage, the overall
    score has a range, and three concepts are named to study next."""
    result = studybot(tmp_path / "s.db", "run", script=SESSION)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    report = out[out.index("Exam readiness for ana") :]
    assert re.search(r"Predicted score: \d+% \(a 40-question exam: \d+% to \d+%\)", report)
    bank, _ = load_bank(SHIPPED_QUESTIONS, [PACKS])
    concepts = {q.concept for q in bank.questions}
    for concept in concepts:
        assert re.search(rf"^    {re.escape(concept)} +\d+% ", report, re.MULTILINE), concept
    seen = sum(int(n) for n in re.findall(r"\d+% +(\d+)/\d+", report))
    assert seen >= 1  # the answered review cards count as seen
    study_next = re.search(r"Study next: (.+)", report)
    assert study_next is not None
    named = [c.strip() for c in study_next.group(1).split(",")]
    assert len(named) == 3 and set(named) <= concepts
