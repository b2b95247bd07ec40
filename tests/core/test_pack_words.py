"""How pack problems quote what they found: kinds, short values, keys, suggestions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.pack_nodes import Problem, did_you_mean, key_text, kind, show


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (None, "nothing"),
        (True, "true/false"),
        (3, "a number"),
        (2.5, "a number"),
        ("x", "text"),
        ([1], "a list"),
        ({}, "a mapping"),
        (date(2026, 1, 1), "a date"),
        (b"x", "bytes"),
    ],
)
def test_values_are_named_the_way_an_author_thinks_of_them(value: object, word: str) -> None:
    """YAML values read as 'nothing', 'a number', 'text', 'a date' ... in messages."""
    assert kind(value) == word


def test_long_values_and_keys_are_cut_at_forty_characters() -> None:
    """A value or key up to 40 characters is shown whole; longer ones end in '...'."""
    assert show("x" * 38) == "'" + "x" * 38 + "'"  # 40 with quotes
    assert show("y" * 39) == "'" + "y" * 17 + "..." + "y" * 18 + "'"  # reprlib's own cut
    assert show(["a" * 16, "b" * 16]) == "['" + "a" * 16 + "', '" + "b" * 16 + "']"  # 40
    assert show(["a" * 17, "b" * 17]) == "['" + "a" * 17 + "', '" + "b" * 14 + "..."
    assert key_text("k" * 40) == "k" * 40
    assert key_text("k" * 41) == "k" * 37 + "..."
    assert key_text(7) == "7"
    assert key_text((1, 2)) == "(1, 2)"


def test_a_close_word_gets_one_suggestion() -> None:
    """A near miss suggests the closest option; a distant word gets nothing."""
    assert did_you_mean("concept", ["concepts", "questions"]) == " (did you mean 'concepts'?)"
    assert did_you_mean("questons", ["concepts", "questions"]) == " (did you mean 'questions'?)"
    assert did_you_mean("colour", ["concepts", "questions"]) == ""
    assert did_you_mean("abcd", ["abcx"]) == " (did you mean 'abcx'?)"
    assert did_you_mean("abcd", ["abxx"]) == ""


def test_a_problem_is_one_line_whatever_its_message() -> None:
    """Newlines and carriage returns in a message are escaped; '-' stands for no question."""
    problem = Problem("p.yaml", 3, None, "bad\r\nvalue")
    assert str(problem) == "p.yaml:3: -: bad\\r\\nvalue"
    assert str(Problem("p.yaml", 4, "q1", "x")) == "p.yaml:4: q1: x"
    assert problem.severity == "error"
