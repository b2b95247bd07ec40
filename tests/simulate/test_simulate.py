"""The simulator on small runs through the real service on SQLite (not timed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.simulate import NO_REVIEW
from bot.simulate.bench import Plan, run_plan
from bot.simulate.group import RunResult
from bot.simulate.report import (
    END_MARK,
    MODEL_NOTE,
    START_MARK,
    Summary,
    Target,
    render_markdown,
    render_png,
    render_text,
    score,
    write_section,
)

SMALL = Plan(learners=4, per_day=4, days=4, seeds=(3,), policies=("random", "studybot"), jobs=1)


def outcome(results: list[RunResult]) -> list[tuple[object, ...]]:
    """Everything a run found, without its timing."""
    return [(r.policy, r.seed, r.daily, r.by_concept, r.learners, r.answered) for r in results]


def test_a_seed_gives_the_same_run_twice_and_another_seed_does_not(tmp_path: Path) -> None:
    """Same seed, same recall curves, exams and readiness estimates; seed 4 differs."""
    plan = replace(SMALL, db_dir=tmp_path)
    first = run_plan(plan)
    assert outcome(first) == outcome(run_plan(plan))
    other = run_plan(replace(plan, seeds=(4,)))
    assert [r.daily for r in other] != [r.daily for r in first]
    assert {r.policy for r in first} == {"random", "studybot", "ceiling"}
    assert all(r.answered > 0 and len(r.daily) == plan.days + 1 for r in first)
    assert list(tmp_path.iterdir()) == []  # every database file is cleaned up


def test_a_policy_that_never_reviews_does_worse(tmp_path: Path) -> None:
    """A group that only answers the daily drill ends with less recall than the same group
    also working through its review queue."""
    plan = replace(SMALL, learners=6, days=6, policies=("studybot", NO_REVIEW), db_dir=tmp_path)
    results = {r.policy: r for r in run_plan(plan)}
    never, reviews = results[NO_REVIEW], results["studybot"]
    assert never.answered < reviews.answered
    assert never.final < reviews.final


def test_the_report_prints_targets_and_keeps_one_results_section(tmp_path: Path) -> None:
    """The table ends with 'targets met: N/3', says it is a model; the Markdown section is
    replaced in place, not appended twice; the chart is a PNG."""
    plan = replace(SMALL, policies=("random", "studybot", "review-only"), db_dir=tmp_path)
    summary = Summary(plan, run_plan(plan), {}, 12.0)
    text = render_text(summary)
    assert MODEL_NOTE in text
    assert text.splitlines()[-1].startswith("targets met: ") and text.endswith("/3")
    page = tmp_path / "LEARNING.md"
    page.write_text("# Learning\n\nProse stays.\n", encoding="utf-8")
    write_section(page, render_markdown(summary, "studybot simulate"))
    write_section(page, render_markdown(summary, "studybot simulate"))
    written = page.read_text(encoding="utf-8")
    assert written.startswith("# Learning\n\nProse stays.")
    assert written.count(START_MARK) == written.count(END_MARK) == 1
    chart = tmp_path / "learning.png"
    render_png(summary, chart)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_row_shown_beside_the_targets_is_not_counted() -> None:
    """The sampled-exam error is shown for information; only real targets count."""
    rows = [Target("a", "1", "x", True), Target("b", "2", "", None), Target("c", "3", "y", False)]
    assert score(rows) == "targets met: 1/2"
    assert [t.mark for t in rows] == ["met", "shown", "NOT met"]
