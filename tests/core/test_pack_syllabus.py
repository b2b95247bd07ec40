"""Concept and syllabus-point declarations: every mistake is reported at its line."""

from __future__ import annotations

import pytest

from bot.core.pack_syllabus import read_pack
from bot.core.pack_yaml import parse_pack
from bot.core.questions import Point


def read(text: str) -> tuple[list[object], list[tuple[int, str]]]:
    """The concepts a pack declares and its problems as (line, message)."""
    data, problems = parse_pack("p.yaml", text.encode())
    assert problems == []
    concepts, _, found = read_pack("p.yaml", data)
    assert all(p.path == "p.yaml" and p.question_id is None for p in found)
    return [c for c, _ in concepts], [(p.line, p.message) for p in found]


HEAD = "concepts:\n  - id: basics\n    title: Basics\n    points:\n"


def test_good_points_are_read_with_their_source_and_folded_text() -> None:
    """Points keep their id, their text on one line, and the file:line they came from."""
    [concept], problems = read(
        HEAD
        + "      - id: basics.one\n"
        + '        text: "First   point\\n  here"\n'
        + "      - id: basics.two-words\n"
        + "        text: Second\n"
    )
    assert problems == []
    assert concept.points == (
        Point("basics.one", "First point here", "p.yaml:5"),
        Point("basics.two-words", "Second", "p.yaml:7"),
    )
    assert [p.source for p in concept.points] == ["p.yaml:5", "p.yaml:7"]


@pytest.mark.parametrize(
    ("points", "line", "message"),
    [
        ("      bad", 4, "'points' must be a list of {id, text}, got text"),
        ("      - just text", 5, "a syllabus point must be {id, text}, got text"),
        (
            "      - id: basics.one\n        text: T\n        note: x",
            7,
            "unknown syllabus point key 'note'",
        ),
        (
            "      - text: T\n        id: Basics One",
            6,
            "syllabus point id must be a slug like 'basics.code-generation', got 'Basics One'",
        ),
        (
            "      - id: nodot\n        text: T",
            5,
            "syllabus point id must be a slug like 'basics.code-generation', got 'nodot'",
        ),
        (
            "      - id: basics.one\n        text: '  '",
            6,
            "syllabus point 'basics.one' needs a 'text' (one line)",
        ),
        ("      - id: basics.one", 5, "syllabus point 'basics.one' needs a 'text' (one line)"),
        (
            "      - id: basics.one\n        text: " + "x" * 201,
            6,
            "syllabus point 'basics.one' text is too long: 201 characters (limit 200)",
        ),
    ],
    ids=[
        "not-a-list",
        "not-a-mapping",
        "unknown-key",
        "bad-id",
        "no-dot",
        "blank",
        "no-text",
        "long",
    ],
)
def test_a_bad_point_is_reported_at_its_line(points: str, line: int, message: str) -> None:
    """Each kind of bad point names its line and what is wrong; the concept itself stays."""
    [concept], problems = read(HEAD + points + "\n")
    assert problems == [(line, message)]
    assert concept.id == "basics" and concept.points == ()


def test_a_point_of_exactly_the_limit_is_fine_and_a_repeat_is_named() -> None:
    """200 characters pass; the same id twice is reported at its id line, naming the first."""
    [concept], problems = read(
        HEAD
        + "      - text: "
        + "y" * 200
        + "\n"
        + "        id: basics.one\n"
        + "      - text: again\n"
        + "        id: basics.one\n"
        + "      - id: basics.two\n"
        + "        text: fine\n"
    )
    assert problems == [(8, "duplicate syllabus point 'basics.one' (also at line 6)")]
    assert [p.id for p in concept.points] == ["basics.one", "basics.two"]


def test_bad_points_do_not_stop_the_good_ones() -> None:
    """After a bad item the following points are still read."""
    [concept], problems = read(HEAD + "      - 7\n      - id: basics.ok\n        text: Fine\n")
    assert problems == [(5, "a syllabus point must be {id, text}, got a number")]
    assert [p.id for p in concept.points] == ["basics.ok"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "concepts:\n  - basics\n",
            [(2, "a concept must be {id, title} (and optional points), got text")],
        ),
        (
            "concepts:\n  - id: basics\n    title: B\n    colour: red\n",
            [(4, "unknown concept key 'colour'")],
        ),
        (
            "concepts:\n  - id: 'no spaces'\n    title: B\n",
            [(2, "concept id must be a word like 'adapt.rag', got 'no spaces'")],
        ),
        (
            "concepts:\n  - id: basics\n    title: ' '\n",
            [(3, "concept 'basics' needs a 'title' (text)")],
        ),
        ("concepts: 5\n", [(1, "'concepts' must be a list of {id, title}, got a number")]),
        ("questions: {}\n", [(1, "'questions' must be a list, got a mapping")]),
        (
            "colour: red\n",
            [
                (1, "unknown top-level key 'colour'"),
                (1, "the pack has no 'concepts' or 'questions'"),
            ],
        ),
        (
            "concept: []\n",
            [
                (1, "unknown top-level key 'concept' (did you mean 'concepts'?)"),
                (1, "the pack has no 'concepts' or 'questions'"),
            ],
        ),
        ("concepts: []\nconcepts: []\n", [(2, "duplicate key 'concepts' (also at line 1)")]),
        ("- a\n", [(1, "a pack must be a mapping with 'concepts' and/or 'questions', got a list")]),
    ],
    ids=[
        "concept-not-mapping",
        "unknown-concept-key",
        "bad-concept-id",
        "blank-title",
        "concepts-not-list",
        "questions-not-list",
        "unknown-top-key",
        "did-you-mean",
        "duplicate-key",
        "not-a-mapping",
    ],
)
def test_pack_and_concept_mistakes(text: str, expected: list[tuple[int, str]]) -> None:
    """The pack's shape and its concept declarations are checked line by line."""
    concepts, problems = read(text)
    assert problems == expected
    assert concepts == []


def test_questions_come_with_their_lines() -> None:
    """Question nodes are handed on with the line each starts at."""
    data, _ = parse_pack("p.yaml", b"questions:\n  - id: a\n  - id: b\n")
    _, nodes, problems = read_pack("p.yaml", data)
    assert problems == [] and [line for _, line in nodes] == [2, 3]
