"""The one parser for typed answers that the console and Slack thread replies share."""

from __future__ import annotations

import pytest

from bot.core.typed import parse_answer


@pytest.mark.parametrize("text", ["b", "B", "b)", " b ", "b.", "\tB) "])
def test_a_letter_names_its_option(text: str) -> None:
    """`b` in any usual spelling is the second option of a lettered question."""
    assert parse_answer(text, "single", 4) == 1


@pytest.mark.parametrize(("text", "choice"), [("a", 0), ("c", 2), ("d", 3), ("E", 4)])
def test_every_letter_up_to_the_choice_count(text: str, choice: int) -> None:
    """Letters map to 0-based choices as far as the question has options."""
    assert parse_answer(text, "single", 5) == choice


@pytest.mark.parametrize("text", ["e", "f", "t", "true", "False", "", "  ", "bb", "b c", "1", "?"])
def test_what_does_not_answer_a_four_option_question(text: str) -> None:
    """Letters past the options, true/false words and chatter are not answers."""
    assert parse_answer(text, "single", 4) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [("true", 0), ("True", 0), (" TRUE ", 0), ("t", 0), ("false", 1), ("False", 1), ("F", 1)],
)
def test_true_false_words(text: str, choice: int) -> None:
    """A true/false question takes true/false (or t/f) in any case."""
    assert parse_answer(text, "truefalse", 2) == choice


@pytest.mark.parametrize(("text", "choice"), [("a", 0), ("B)", 1)])
def test_true_false_questions_also_take_their_letters(text: str, choice: int) -> None:
    """Its two options are also lettered a and b, like buttons show them."""
    assert parse_answer(text, "truefalse", 2) == choice


@pytest.mark.parametrize("text", ["c", "yes", "truth", "fals"])
def test_what_does_not_answer_a_true_false_question(text: str) -> None:
    """A third letter or a near-miss word is not an answer."""
    assert parse_answer(text, "truefalse", 2) is None
