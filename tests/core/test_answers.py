"""Answering: drill and quiz answers are locked in once; reviews grade at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import AlreadyAnswered, BadInput, NothingToAnswer, QuestionClosed
from bot.core.questions import Question
from bot.core.srs import Grade
from bot.core.views import FeedbackView, QuestionView, RevealView
from tests.core.conftest import ANA, BOB, PLACE, World


async def open_drill(world: World) -> QuestionView:
    return await world.service.drill_now(PLACE)


async def first_review(world: World) -> tuple[QuestionView, Question]:
    """Ana's first review card and the question behind it."""
    view = await world.service.next_review(PLACE, ANA)
    assert view is not None
    question = world.bank.get(view.question_id)
    assert question is not None
    return view, question


async def test_a_drill_answer_is_locked_in_and_hidden(world: World) -> None:
    """The receipt says 'locked in' with the reveal time and does not tell right or wrong."""
    drill = await open_drill(world)
    receipt = await world.service.answer_in_channel(PLACE, ANA, 0)
    assert receipt.question_id == drill.question_id
    assert receipt.reveal_at == drill.closes_at
    assert not hasattr(receipt, "correct")


async def test_only_the_first_answer_counts(world: World) -> None:
    """A second answer is refused and the first one stays recorded."""
    drill = await open_drill(world)
    question = world.bank.get(drill.question_id)
    assert question is not None
    await world.service.answer_in_channel(PLACE, ANA, question.answer)
    with pytest.raises(AlreadyAnswered):
        await world.service.answer_in_channel(PLACE, ANA, (question.answer + 1) % 4)
    async with world.repo.unit() as u:
        answers = await u.answers_for_post(drill.post_id or 0)
    assert [(a.learner_name, a.correct) for a in answers] == [("Ana", True)]


async def test_answering_a_closed_question_is_refused_politely(world: World) -> None:
    """After the reveal, a click on the old question gets QuestionClosed, not a crash."""
    drill = await open_drill(world)
    await world.timer.advance_to(world.clock.now() + timedelta(hours=9))
    with pytest.raises(QuestionClosed):
        await world.service.record_answer(drill.post_id or 0, BOB, 1)
    with pytest.raises(NothingToAnswer):
        await world.service.answer_in_channel(PLACE, BOB, 1)


async def test_a_choice_outside_the_options_is_bad_input(world: World) -> None:
    """Answering 'e' to a four-option question names the valid letters."""
    await open_drill(world)
    with pytest.raises(BadInput, match="a, b, c, d"):
        await world.service.answer_in_channel(PLACE, ANA, 4)


async def test_answers_update_the_learners_card(world: World) -> None:
    """A wrong drill answer rates the card Again: it is due again within the day."""
    drill = await open_drill(world)
    question = world.bank.get(drill.question_id)
    assert question is not None
    await world.service.answer_in_channel(PLACE, ANA, (question.answer + 1) % 4)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        card = await u.get_card(learner.id, question.id)
        [answer] = await u.answers_of(learner.id)
    assert card is not None and card.due - world.clock.now() < timedelta(days=1)
    assert answer.rating == Grade.AGAIN and answer.points == 0


async def test_review_shows_due_cards_before_new_ones(world: World) -> None:
    """A card answered wrong yesterday comes back before any unseen question."""
    first, question = await first_review(world)
    await world.service.answer_review(
        PLACE, ANA, first.question_id, (question.answer + 1) % 4, world.clock.now()
    )
    await world.timer.advance_to(world.clock.now() + timedelta(days=1))
    again = await world.service.next_review(PLACE, ANA)
    assert again is not None and again.question_id == first.question_id
    other = await world.service.next_review(PLACE, ANA, exclude=[first.question_id])
    assert other is not None and other.question_id != first.question_id


async def test_review_feedback_is_immediate_with_the_explanation(world: World) -> None:
    """A wrong review answer tells the right letter, why mine was wrong, and the explanation."""
    view, question = await first_review(world)
    wrong = (question.answer + 1) % 4
    feedback = await world.service.answer_review(
        PLACE, ANA, view.question_id, wrong, world.clock.now()
    )
    assert isinstance(feedback, FeedbackView)
    assert (feedback.correct, feedback.answer) == (False, question.answer)
    assert feedback.rationale == question.rationales[wrong]
    assert feedback.explanation == question.explanation


async def test_reviews_score_no_points(world: World) -> None:
    """Personal review cannot be farmed for leaderboard points."""
    view, question = await first_review(world)
    await world.service.answer_review(
        PLACE, ANA, view.question_id, question.answer, world.clock.now()
    )
    board = await world.service.leaderboard(PLACE, "all")
    assert [r.points for r in board.rows] == [0]


async def test_the_reveal_counts_right_answers_and_lists_who(world: World) -> None:
    """At window close the reveal shows the answer, rationales and 1 of 2 correct."""
    drill = await open_drill(world)
    question = world.bank.get(drill.question_id)
    assert question is not None
    await world.service.answer_in_channel(PLACE, ANA, question.answer)
    await world.service.answer_in_channel(PLACE, BOB, (question.answer + 1) % 4)
    await world.timer.advance_to(world.clock.now() + timedelta(hours=8))
    [reveal] = world.posted(RevealView)
    assert (reveal.correct_count, reveal.total, reveal.correct_names) == (1, 2, ("Ana",))
    assert reveal.answer == question.answer and reveal.explanation == question.explanation
    assert sum(r is not None for r in reveal.rationales) == 3
