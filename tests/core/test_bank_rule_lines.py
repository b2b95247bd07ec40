"""The bank rules' lines for a bank that breaks them: exact, and located where they can be."""

from __future__ import annotations

from bot.core.bank_rules import BankReport, PointStats, bank_rule_problems
from bot.core.pack_nodes import Problem


def report(**fields: object) -> BankReport:
    base: dict[str, object] = dict(
        total=300,
        per_concept={},
        per_type={"truefalse": 30, "single": 270},
        scenario=120,
        per_difficulty={1: 1, 2: 1, 3: 1},
        four_option=20,
        answer_letters={"a": 5, "b": 5, "c": 5, "d": 5},
        key_letters={},
        truefalse_answers={True: 15, False: 15},
    )
    base.update(fields)
    return BankReport(**base)  # type: ignore[arg-type]


def test_a_bank_that_meets_every_rule_has_no_line() -> None:
    """300 questions, 40 % scenario, 30 balanced truefalse, all difficulties: nothing to say."""
    assert bank_rule_problems(report()) == []


def test_an_empty_bank_breaks_the_size_rules() -> None:
    """An empty bank: size, scenario share, truefalse count and difficulties, in that order."""
    empty = report(
        total=0,
        per_type={},
        scenario=0,
        per_difficulty={},
        four_option=0,
        answer_letters={},
        truefalse_answers={},
    )
    assert [p.message for p in bank_rule_problems(empty)] == [
        "the bank has 0 questions (need at least 300)",
        "0/0 (0.0%) of questions are tagged scenario (need 40%)",
        "0 truefalse questions (need 30)",
        "no questions of difficulty 1, 2, 3",
    ]


def test_imbalance_and_letter_share_are_named() -> None:
    """15 true / 0 false and a letter right in 40 % (limit 35 %) are both reported."""
    broken = report(
        truefalse_answers={True: 15},
        answer_letters={"a": 7, "b": 8, "c": 3, "d": 2},
        per_difficulty={1: 3, 2: 0, 3: 2},
    )
    assert bank_rule_problems(broken, where="bank") == [
        Problem(
            "bank", 0, None, "truefalse answers are 15 true and 0 false (need as many of each)"
        ),
        Problem("bank", 0, None, "no questions of difficulty 2"),
        Problem("bank", 0, None, "answer 'b' is right in 40% of four-option questions (limit 35%)"),
    ]


def test_point_lines_name_the_point_where_it_is_declared() -> None:
    """A thin point is reported at its file and line with the ids testing it; an unknown
    point named by questions is reported for the bank."""
    points = (
        PointStats("basics.one", "basics", "T", "p.yaml:5", ("q1",)),
        PointStats("basics.two", "basics", "T", "nowhere", ()),
        PointStats("basics.three", "basics", "T", "p.yaml:9", ("q1", "q2")),
    )
    problems = bank_rule_problems(report(points=points, unknown_points=("x.y",)))
    assert problems == [
        Problem(
            "questions", 0, None, "questions name syllabus point 'x.y', which no concept declares"
        ),
        Problem(
            "p.yaml", 5, None, "syllabus point 'basics.one' is tested by 1 question (q1) (need 2)"
        ),
        Problem(
            "questions", 0, None, "syllabus point 'basics.two' is tested by 0 questions (need 2)"
        ),
    ]
