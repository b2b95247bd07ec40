"""The shipped question bank loads cleanly and meets the shipped-bank rules."""

from __future__ import annotations

import pytest

from bot.config import SHIPPED_QUESTIONS
from bot.core.pack_rules import FILLER_CHOICE
from bot.core.packs import BankReport, LoadResult, bank_report, bank_rule_problems, load_packs
from bot.core.questions import LETTERS


@pytest.fixture(scope="module")
def shipped() -> LoadResult:
    return load_packs([SHIPPED_QUESTIONS])


@pytest.fixture(scope="module")
def report(shipped: LoadResult) -> BankReport:
    return bank_report(shipped.bank)


@pytest.fixture(scope="module")
def syllabus() -> list[str]:
    return load_packs([SHIPPED_QUESTIONS / "syllabus.yaml"]).bank.concept_ids()


def test_every_shipped_pack_loads_without_problems(shipped: LoadResult) -> None:
    """Every pack in questions/ is valid: no errors, no warnings."""
    assert [str(p) for p in shipped.problems] == []
    assert len(shipped.files) > 1


def test_syllabus_declares_the_fourteen_concepts(syllabus: list[str]) -> None:
    """syllabus.yaml declares the 14 concepts every shipped question draws from."""
    assert len(syllabus) == 14


def test_syllabus_gives_every_concept_its_points() -> None:
    """Every syllabus concept lists its points, including the three the audit found untested."""
    concepts = load_packs([SHIPPED_QUESTIONS / "syllabus.yaml"]).bank.concepts
    assert {c.id: len(c.points) for c in concepts if len(c.points) < 4} == {}
    ids = {p.id for c in concepts for p in c.points}
    assert {
        "basics.code-generation",
        "pretrained.reduced-complexity",
        "mechanics.weight-decay",
    } <= ids
    for concept in concepts:
        short = concept.id.split(".", 1)[1]
        prefix = {"responsible": "governance"}.get(short, short)
        assert all(p.id.startswith(prefix + ".") for p in concept.points), concept.id


def test_bank_has_at_least_200_questions(report: BankReport) -> None:
    """The shipped bank holds at least 200 questions."""
    assert report.total >= 200


def test_every_syllabus_concept_has_at_least_10_questions(
    report: BankReport, syllabus: list[str]
) -> None:
    """No syllabus concept is thin: each has 10 or more questions."""
    assert {c: n for c in syllabus if (n := report.per_concept.get(c, 0)) < 10} == {}


def test_scenario_truefalse_and_difficulty_mix(report: BankReport) -> None:
    """At least 40% scenario, at least 15 truefalse, and difficulties 1, 2 and 3 all present."""
    assert report.scenario_share >= 0.40
    assert report.per_type.get("truefalse", 0) >= 15
    assert {1, 2, 3} <= {d for d, n in report.per_difficulty.items() if n}


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


def test_bank_rules_report_nothing(shipped: LoadResult, report: BankReport) -> None:
    """The checker's own shipped-bank rules agree: no rule problems."""
    assert bank_rule_problems(report, shipped.bank.concepts) == []
