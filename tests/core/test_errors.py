"""The lines users read when something is refused: exact, and naming no command."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core import errors


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: errors.QuestionClosed(), "That question is closed; the answer has been revealed."),
        (
            lambda: errors.AlreadyAnswered(),
            "You already answered this one; only your first answer counts.",
        ),
        (lambda: errors.NothingToAnswer(), "There is no open question here."),
        (lambda: errors.NotHere(), "That question belongs somewhere else; nothing was recorded."),
        (
            lambda: errors.ReviewEnded(),
            "That review session has ended. Start a new review to go on.",
        ),
        (
            lambda: errors.QuizAlreadyRunning(),
            "A quiz is already running in this channel; join in by answering.",
        ),
        (lambda: errors.NoDrillSchedule(), "This channel has no daily drill."),
        (lambda: errors.NoQuestions(), "No questions match."),
        (lambda: errors.NoQuestions("No questions for rag."), "No questions for rag."),
        (lambda: errors.NotAllowed("Ask an admin."), "Ask an admin."),
        (
            lambda: errors.StorageBusy("database is locked"),
            "The database could not save that just now (database is locked); nothing was "
            "recorded. Please try again in a moment.",
        ),
        (
            lambda: errors.UnknownConcept("x", ["a", "b"]),
            "Unknown concept 'x'. Known concepts: a, b",
        ),
    ],
)
def test_each_refusal_reads_as_written(make: Callable[[], errors.StudyError], text: str) -> None:
    """Every domain error's message is the sentence the adapters show, with no command in it."""
    assert str(make()) == text
    assert "/" not in text


def test_a_non_answer_is_quoted_trimmed_and_cut_at_forty_characters() -> None:
    """The echo of chatter is stripped and at most 40 characters long; the text is kept."""
    long = "  " + "x" * 50 + "  "
    error = errors.NotAnAnswer(long, "a, b")
    assert str(error) == f"'{'x' * 40}' is not an answer here. Answer with one of a, b."
    assert error.text == long


def test_errors_keep_what_adapters_need() -> None:
    """Adapters can read the unknown concept and the known list, and the refusal's reason."""
    unknown = errors.UnknownConcept("omega", ["alpha"])
    assert (unknown.concept, unknown.known) == ("omega", ["alpha"])
    assert errors.NotAllowed("why").reason == "why"
    assert errors.StorageBusy("disk full").reason == "disk full"
    assert str(errors.NotHere("That review session")).startswith("That review session belongs")
