"""The shipped question bank loads cleanly and meets the shipped-bank rules of issue 11."""

from __future__ import annotations

import pytest

from bot.config import SHIPPED_QUESTIONS
from bot.core import bank_rules as rules
from bot.core.bank_rules import BankReport, bank_report, bank_rule_problems
from bot.core.pack_rules import FILLER_CHOICE
from bot.core.packs import LoadResult, load_packs
from bot.core.questions import LETTERS, Concept


@pytest.fixture(scope="module")
def shipped() -> LoadResult:
    return load_packs([SHIPPED_QUESTIONS])


@pytest.fixture(scope="module")
def report(shipped: LoadResult) -> BankReport:
    return bank_report(shipped.bank)


@pytest.fixture(scope="module")
def syllabus() -> tuple[Concept, ...]:
    return load_packs([SHIPPED_QUESTIONS / "syllabus.yaml"]).bank.concepts


def test_every_shipped_pack_loads_without_problems(shipped: LoadResult) -> None:
    """Every pack in questions/ is valid: no errors, no warnings."""
    assert [str(p) for p in shipped.problems] == []
    assert len(shipped.files) > 1


def test_syllabus_declares_the_fourteen_concepts(syllabus: tuple[Concept, ...]) -> None:
    """syllabus.yaml declares the 14 concepts every shipped question draws from."""
    assert len(syllabus) == 14


def test_syllabus_gives_every_concept_its_points(syllabus: tuple[Concept, ...]) -> None:
    """Every syllabus concept lists its points, including the three the audit found untested."""
    assert {c.id: len(c.points) for c in syllabus if len(c.points) < 4} == {}
    ids = {p.id for c in syllabus for p in c.points}
    assert {
        "basics.code-generation",
        "pretrained.reduced-complexity",
        "mechanics.weight-decay",
    } <= ids
    for concept in syllabus:
        short = concept.id.split(".", 1)[1]
        prefix = {"responsible": "governance"}.get(short, short)
        assert all(p.id.startswith(prefix + ".") for p in concept.points), concept.id


def test_bank_has_at_least_300_questions(report: BankReport) -> None:
    """The shipped bank holds at least 300 questions."""
    assert rules.MIN_QUESTIONS == 300
    assert report.total >= 300


def test_every_syllabus_concept_has_at_least_18_questions(
    report: BankReport, syllabus: tuple[Concept, ...]
) -> None:
    """No syllabus concept is thin: each has 18 or more questions."""
    assert rules.MIN_PER_CONCEPT == 18
    assert {c.id: n for c in syllabus if (n := report.per_concept.get(c.id, 0)) < 18} == {}


def test_scenario_share_and_difficulty_mix(report: BankReport) -> None:
    """At least 40% scenario questions, and difficulties 1, 2 and 3 all present."""
    assert float(rules.MIN_SCENARIO_SHARE) == 0.40
    assert report.scenario_share >= 0.40
    assert {1, 2, 3} <= {d for d, n in report.per_difficulty.items() if n}


def test_at_least_30_truefalse_with_as_many_true_as_false(report: BankReport) -> None:
    """At least 30 truefalse questions, half of them true and half false."""
    assert rules.MIN_TRUEFALSE == 30
    assert report.per_type.get("truefalse", 0) >= 30
    assert report.truefalse_answers[True] == report.truefalse_answers[False]


def test_every_syllabus_point_is_tested_by_at_least_two_questions(report: BankReport) -> None:
    """Each syllabus point of CONCEPTS.md decides the key of two or more questions."""
    assert rules.MIN_QUESTIONS_PER_POINT == 2
    assert len(report.points) > 100
    assert {p.id: len(p.questions) for p in report.points if len(p.questions) < 2} == {}


def test_every_question_names_the_points_it_tests(report: BankReport) -> None:
    """No shipped question is off the syllabus: each names at least one syllabus point."""
    assert [item.question_id for item in report.without_points] == []
    assert report.unknown_points == ()


def test_no_truefalse_id_gives_its_answer_away(report: BankReport) -> None:
    """No truefalse id carries a word such as myth, not, false, always or misconception."""
    assert {item.question_id: item.detail for item in report.revealing_ids} == {}


def test_the_right_option_is_the_longest_in_at_most_30_percent_per_concept(
    report: BankReport,
) -> None:
    """In every concept the right option is strictly the longest in 30% of questions or fewer."""
    assert float(rules.MAX_LONGEST_KEY_SHARE) == 0.30
    over = {c.id: str(c.longest_key) for c in report.concepts if c.longest_key.share > 0.30}
    assert over == {}


def test_absolute_words_are_no_more_frequent_in_wrong_options_than_in_right_ones(
    report: BankReport,
) -> None:
    """Always/never/only/must... mark wrong options no more often than right ones, anywhere."""
    assert report.absolute.ok, (str(report.absolute.distractors), str(report.absolute.keys))
    assert {c.id: c.absolute.flagged for c in report.concepts if not c.absolute.ok} == {}
    assert report.truefalse_absolute.ok, report.truefalse_absolute.flagged


def test_from_scratch_options_in_at_most_one_question_in_eight(report: BankReport) -> None:
    """At most 1 question in 8 offers a from-scratch or random-weights option."""
    assert rules.Fraction(1, 8) == rules.MAX_FROM_SCRATCH_SHARE
    assert 8 * len(report.from_scratch) <= report.total


def test_no_letter_holds_more_than_35_percent_of_right_answers(report: BankReport) -> None:
    """Among four-option questions the right answer is spread over a-d (none above 35%)."""
    assert report.four_option > 0
    shares = {letter: report.letter_share(letter) for letter in LETTERS[:4]}
    assert {letter: share for letter, share in shares.items() if share > 0.35} == {}


def test_no_all_or_none_of_the_above_choices(shipped: LoadResult) -> None:
    """No shipped choice is an 'all of the above' or 'none of the above' filler."""
    fillers = [
        (q.id, choice)
        for q in shipped.bank.questions
        for choice in q.choices
        if FILLER_CHOICE.search(choice)
    ]
    assert fillers == []


def test_bank_rules_report_nothing(report: BankReport) -> None:
    """The checker's own shipped-bank rules agree: no rule problems."""
    assert [str(p) for p in bank_rule_problems(report)] == []
