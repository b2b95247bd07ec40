"""The shipped-bank rules: each fires just past its limit and passes at it (synthetic banks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from bot.core.bank_rules import (
    MIN_QUESTIONS,
    absolute_words,
    bank_report,
    bank_rule_problems,
    key_is_longest,
    revealing_words,
)
from bot.core.questions import Concept, Point, Question, QuestionBank


def point(pid: str, line: int) -> Point:
    return Point(pid, f"What {pid} says", f"syllabus.yaml:{line}")


CONCEPTS = (
    Concept("alpha", "Alpha", (point("alpha.one", 4), point("alpha.two", 6))),
    Concept("beta", "Beta", (point("beta.one", 10), point("beta.two", 12))),
)


def make_question(
    n: int, concept: str, *, truefalse: bool | None = None, scenario: bool = False
) -> Question:
    """Question n: a truefalse statement (answer `truefalse`) or a four-option single."""
    single = truefalse is None
    answer = n % 4 if single else (0 if truefalse else 1)
    choices = (
        tuple(f"Option {c} of question {n:04}" for c in "wxyz") if single else ("True", "False")
    )
    return Question(
        id=f"{concept}-q{n}",
        concept=concept,
        type="single" if single else "truefalse",
        prompt=f"Statement number {n}",
        choices=choices,
        answer=answer,
        explanation="Because.",
        rationales=tuple(None if i == answer else "No." for i in range(len(choices))),
        difficulty=1 + n % 3,
        tags=("scenario",) if scenario else ("recall",),
        source=f"{concept}.yaml:{n + 1}",
        points=(f"{concept}.{'one' if n // 2 % 2 else 'two'}",),
    )


def make_bank(total: int = 300, tf_true: int = 15, tf_false: int = 15) -> list[Question]:
    """A bank at several limits at once: 300 questions, 30 truefalse, 40% scenario."""
    answers = [True] * tf_true + [False] * tf_false
    scenario = round(total * 0.4)
    return [
        make_question(
            n,
            CONCEPTS[n % 2].id,
            truefalse=answers[n] if n < len(answers) else None,
            scenario=n < scenario,
        )
        for n in range(total)
    ]


Edit = Callable[[list[Question]], list[Question]]


def edit(
    indexes: Callable[[list[Question]], list[int]], change: Callable[[Question], Question]
) -> Edit:
    """Apply `change` to the questions at the chosen indexes."""

    def apply(questions: list[Question]) -> list[Question]:
        chosen = set(indexes(questions))
        return [change(q) if i in chosen else q for i, q in enumerate(questions)]

    return apply


def singles(concept: str, count: int) -> Callable[[list[Question]], list[int]]:
    """The first `count` single-answer questions of a concept."""

    def pick(questions: list[Question]) -> list[int]:
        found = [i for i, q in enumerate(questions) if q.type == "single" and q.concept == concept]
        return found[:count]

    return pick


def singles_fraction(concept: str, share: float, extra: int = 0) -> Callable[..., list[int]]:
    """The largest number of a concept's single questions within `share`, plus `extra`."""

    def pick(questions: list[Question]) -> list[int]:
        found = [i for i, q in enumerate(questions) if q.type == "single" and q.concept == concept]
        return found[: int(len(found) * share) + extra]

    return pick


def truefalse(answer: bool, count: int) -> Callable[[list[Question]], list[int]]:
    def pick(questions: list[Question]) -> list[int]:
        found = [
            i
            for i, q in enumerate(questions)
            if q.type == "truefalse" and (q.answer == 0) == answer
        ]
        return found[:count]

    return pick


def longest_key(q: Question) -> Question:
    choices = list(q.choices)
    choices[q.answer] += " and a little more"
    return replace(q, choices=tuple(choices))


def absolute_key(q: Question) -> Question:
    choices = list(q.choices)
    choices[q.answer] = choices[q.answer].replace("Option", "Always")
    return replace(q, choices=tuple(choices))


def absolute_distractor(q: Question) -> Question:
    wrong = (q.answer + 1) % len(q.choices)
    choices = list(q.choices)
    choices[wrong] = choices[wrong].replace("Option", "Never")
    return replace(q, choices=tuple(choices))


def from_scratch(wording: str) -> Callable[[Question], Question]:
    def change(q: Question) -> Question:
        wrong = (q.answer + 1) % len(q.choices)
        choices = list(q.choices)
        choices[wrong] = f"{wording} {q.id}"
        return replace(q, choices=tuple(choices))

    return change


def both(*edits: Edit) -> Edit:
    def apply(questions: list[Question]) -> list[Question]:
        for one in edits:
            questions = one(questions)
        return questions

    return apply


def first_n(count: int) -> Callable[[list[Question]], list[int]]:
    return lambda questions: list(range(count))


def scratch_questions(count: int) -> Callable[[list[Question]], list[int]]:
    return lambda questions: [i for i, q in enumerate(questions) if q.type == "single"][:count]


EXTRA_POINT = Concept("gamma", "Gamma", (point("gamma.only", 20),))
WITH_THIRD_POINT = (
    replace(CONCEPTS[0], points=(*CONCEPTS[0].points, point("alpha.three", 8))),
    CONCEPTS[1],
)


@dataclass(frozen=True)
class Case:
    questions: Callable[[], list[Question]]
    expected: tuple[str, ...]  # one fragment per problem; () means the bank passes
    concepts: tuple[Concept, ...] = CONCEPTS


def named_point(count: int) -> Callable[[], list[Question]]:
    """A bank where `count` questions also test the extra point alpha.three."""

    def build() -> list[Question]:
        bank = make_bank()
        return [
            replace(q, points=(*q.points, "alpha.three")) if i < count else q
            for i, q in enumerate(bank)
        ]

    return build


def gamma_point_questions(n: int) -> Question:
    """A scenario question of concept gamma (scenario keeps the bank's share at 40%)."""
    return replace(make_question(n, "gamma", scenario=True), points=("gamma.only",))


CASES = {
    "balanced bank at its limits passes": Case(make_bank, ()),
    "299 questions": Case(
        lambda: make_bank(total=299), ("the bank has 299 questions (need at least 300)",)
    ),
    "concept with 18 questions passes": Case(
        lambda: make_bank() + [gamma_point_questions(1000 + n) for n in range(18)],
        (),
        (*CONCEPTS, EXTRA_POINT),
    ),
    "concept with 17 questions": Case(
        lambda: make_bank() + [gamma_point_questions(1000 + n) for n in range(17)],
        ("concept 'gamma' has 17 questions (need 18)",),
        (*CONCEPTS, EXTRA_POINT),
    ),
    "scenario share below 40%": Case(
        lambda: edit(first_n(1), lambda q: replace(q, tags=("recall",)))(make_bank()),
        ("119/300 (39.7%) of questions are tagged scenario (need 40%)",),
    ),
    "28 truefalse": Case(
        lambda: make_bank(tf_true=14, tf_false=14), ("28 truefalse questions (need 30)",)
    ),
    "more true than false": Case(
        lambda: make_bank(tf_true=16, tf_false=15),
        ("truefalse answers are 16 true and 15 false (need as many of each)",),
    ),
    "a difficulty missing": Case(
        lambda: [replace(q, difficulty=2) if q.difficulty == 3 else q for q in make_bank()],
        ("no questions of difficulty 3",),
    ),
    "one letter right too often": Case(
        lambda: edit(singles("alpha", 60), lambda q: replace(q, answer=0))(make_bank()),
        ("answer 'a' is right in",),
    ),
    "point tested twice passes": Case(named_point(2), (), WITH_THIRD_POINT),
    "point tested once": Case(
        named_point(1),
        ("syllabus.yaml:8: -: syllabus point 'alpha.three' is tested by 1 question (alpha-q0)",),
        WITH_THIRD_POINT,
    ),
    "question naming no point": Case(
        lambda: edit(first_n(1), lambda q: replace(q, points=()))(make_bank()),
        ("alpha.yaml:1: alpha-q0: names no syllabus point",),
    ),
    "truefalse id spelling out the answer": Case(
        lambda: edit(first_n(1), lambda q: replace(q, id="rag-weights-myth"))(make_bank()),
        ("alpha.yaml:1: rag-weights-myth: truefalse id gives the answer away (myth)",),
    ),
    "a word merely containing a revealing one passes": Case(
        lambda: edit(first_n(1), lambda q: replace(q, id="rag-mythology-notebook"))(make_bank()),
        (),
    ),
    "longest right option in 30% of a concept passes": Case(
        lambda: edit(singles_fraction("alpha", 0.30), longest_key)(make_bank()), ()
    ),
    "longest right option just over 30%": Case(
        lambda: edit(singles_fraction("alpha", 0.30, extra=1), longest_key)(make_bank()),
        ("concept 'alpha': the right option is the longest in 41/135 (30.4%)",),
    ),
    "absolute words as often in wrong as in right options passes": Case(
        lambda: both(
            edit(singles("alpha", 1), absolute_key),
            edit(singles("alpha", 3), absolute_distractor),
        )(make_bank()),
        (),
    ),
    "absolute words more often in wrong options": Case(
        lambda: both(
            edit(singles("alpha", 1), absolute_key),
            edit(singles("alpha", 4), absolute_distractor),
        )(make_bank()),
        (
            "the bank: absolute words (always, never, guarantee, guarantees...) in 4/810",
            "concept 'alpha': absolute words (always, never, guarantee, guarantees...) in 4/405",
        ),
    ),
    "absolute words in one concept only": Case(
        lambda: both(
            edit(singles("beta", 3), absolute_key),
            edit(singles("alpha", 1), absolute_distractor),
        )(make_bank()),
        ("concept 'alpha': absolute words",),
    ),
    "false statements marked by an absolute word": Case(
        lambda: edit(truefalse(False, 1), lambda q: replace(q, prompt="Fine-tuning never helps"))(
            make_bank()
        ),
        ("absolute words in 1/15 (6.7%) of false truefalse statements but 0/15 (0.0%) of true",),
    ),
    "absolute words as often in true statements passes": Case(
        lambda: both(
            edit(truefalse(False, 1), lambda q: replace(q, prompt="Fine-tuning never helps")),
            edit(truefalse(True, 1), lambda q: replace(q, prompt="Prompting always costs")),
        )(make_bank()),
        (),
    ),
    "from-scratch options in 1 of 8 questions passes": Case(
        lambda: edit(scratch_questions(37), from_scratch("Train a new model from scratch for"))(
            make_bank()
        ),
        (),
    ),
    "from-scratch options in more than 1 of 8": Case(
        lambda: edit(scratch_questions(38), from_scratch("Training from scratch for"))(make_bank()),
        ("38/300 (12.7%) of questions offer a from-scratch or random-weights option",),
    ),
    "random weights count as from scratch": Case(
        lambda: edit(
            scratch_questions(38), from_scratch("Start from randomly initialised weights")
        )(make_bank()),
        ("38/300 (12.7%) of questions offer a from-scratch or random-weights option",),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_bank_rule_passes_at_its_limit_and_fires_past_it(case: Case) -> None:
    """Each case breaks one shipped-bank rule (one problem per fragment) or passes cleanly."""
    bank = QuestionBank(case.concepts, tuple(case.questions()))
    problems = [str(p) for p in bank_rule_problems(bank_report(bank), where="questions")]
    assert len(problems) == len(case.expected), problems
    for fragment, problem in zip(case.expected, problems, strict=True):
        assert fragment in problem


def test_point_problems_name_the_syllabus_line() -> None:
    """An untested point is reported at the file and line that declares it."""
    bank = QuestionBank(WITH_THIRD_POINT, tuple(make_bank()))
    problems = bank_rule_problems(bank_report(bank))
    assert [(p.path, p.line, p.question_id) for p in problems] == [("syllabus.yaml", 8, None)]


def test_report_counts_types_letters_points_and_cues() -> None:
    """The report counts per concept, type, difficulty, letter and point, and measures cues."""
    questions = make_bank()
    questions[40] = absolute_key(questions[40])
    questions[42] = longest_key(questions[42])
    report = bank_report(QuestionBank(CONCEPTS, tuple(questions)))
    assert report.total == MIN_QUESTIONS
    assert report.per_concept == {"alpha": 150, "beta": 150}
    assert report.per_type == {"single": 270, "truefalse": 30}
    assert report.truefalse_answers == {True: 15, False: 15}
    assert report.per_difficulty == {1: 100, 2: 100, 3: 100}
    assert report.scenario == 120
    assert report.answer_letters == {"a": 67, "b": 67, "c": 68, "d": 68}
    assert sum(report.key_letters.values()) == 270
    assert {p.id: len(p.questions) for p in report.points} == {
        "alpha.one": 75,
        "alpha.two": 75,
        "beta.one": 75,
        "beta.two": 75,
    }
    alpha, beta = report.concepts
    assert (alpha.longest_key.hits, alpha.longest_key.of) == (1, 135)
    assert (alpha.longest_ids, beta.longest_ids) == (("alpha-q42",), ())
    assert report.absolute.keys.hits == 1
    assert report.from_scratch == ()


def test_cue_detectors_read_words_not_substrings() -> None:
    """Absolute words, revealing id words and the longest key are whole-word and strict."""
    assert absolute_words("It must ALWAYS hold; overall, nothing") == ["must", "always"]
    assert revealing_words("rag-not-always-better") == ["not", "always"]
    assert revealing_words("rag-nothing-notable") == []
    q = make_question(1, "alpha")
    assert not key_is_longest(q)
    assert key_is_longest(longest_key(q))
