"""Group quiz rounds: early close when everyone answered, timed close, round scores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import BadInput, QuizAlreadyRunning, UnknownConcept
from bot.core.views import BoardView, QuestionView, RevealView
from tests.core.conftest import ANA, BOB, PLACE, World


def quiz_questions(world: World) -> list[QuestionView]:
    return [v for v in world.posted(QuestionView) if v.kind == "quiz"]


async def answer_current(world: World, who, right: bool) -> None:  # type: ignore[no-untyped-def]
    current = quiz_questions(world)[-1]
    question = world.bank.get(current.question_id)
    assert question is not None
    choice = question.answer if right else (question.answer + 1) % 4
    await world.service.answer_in_channel(PLACE, who, choice)
    await world.timer.run_due()


async def test_a_round_moves_on_when_everyone_present_has_answered(world: World) -> None:
    """With Ana and Bob present, the question is revealed as soon as both answered."""
    await world.service.start_quiz(PLACE, ANA, count=2, roster=[BOB])
    await answer_current(world, ANA, right=True)
    assert world.posted(RevealView) == []
    await answer_current(world, BOB, right=False)
    [reveal] = world.posted(RevealView)
    assert (reveal.correct_count, reveal.total, reveal.position, reveal.of) == (1, 2, 1, 2)
    assert [v.position for v in quiz_questions(world)] == [1, 2]


async def test_a_question_closes_when_its_window_ends(world: World) -> None:
    """Nobody answers: the timer closes the question and the next one is posted."""
    first = await world.service.start_quiz(PLACE, ANA, count=2, roster=[BOB])
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at - timedelta(seconds=1))
    assert world.posted(RevealView) == []
    await world.timer.advance_to(first.closes_at + timedelta(seconds=1))
    assert len(world.posted(RevealView)) == 1 and len(quiz_questions(world)) == 2


async def test_the_round_ends_with_a_scoreboard(world: World) -> None:
    """After the last reveal the round's scores are posted, the right answerer ahead."""
    await world.service.start_quiz(PLACE, ANA, count=3, roster=[BOB])
    for _ in range(3):
        await answer_current(world, ANA, right=True)
        await answer_current(world, BOB, right=False)
    [board] = world.posted(BoardView)
    assert [r.display_name for r in board.rows] == ["Ana", "Bob"]
    assert board.rows[0].correct == 3 and board.rows[0].points >= 15 and board.rows[1].points == 0
    await world.service.start_quiz(PLACE, BOB, count=1)  # the channel is free again


async def test_one_quiz_per_channel_and_sane_arguments(world: World) -> None:
    """A second /quiz is refused while one runs; bad counts and concepts are explained."""
    with pytest.raises(UnknownConcept):
        await world.service.start_quiz(PLACE, ANA, concept="omega")
    with pytest.raises(BadInput, match="1 to 20"):
        await world.service.start_quiz(PLACE, ANA, count=50)
    await world.service.start_quiz(PLACE, ANA, concept="beta", count=3)
    assert {v.concept for v in quiz_questions(world)} == {"beta"}
    with pytest.raises(QuizAlreadyRunning):
        await world.service.start_quiz(PLACE, BOB)


async def test_a_newcomer_joins_the_roster(world: World) -> None:
    """Bob was not present at the start but answered: the next question waits for him too."""
    await world.service.start_quiz(PLACE, ANA, count=3)
    await answer_current(world, BOB, right=True)  # closes nothing: Ana has not answered
    assert world.posted(RevealView) == []
    await answer_current(world, ANA, right=True)
    assert len(world.posted(RevealView)) == 1
    await answer_current(world, ANA, right=True)
    assert len(world.posted(RevealView)) == 1  # still waiting for Bob
