"""Channel answers: drill and quiz answers are locked in once and stay hidden until the reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import AlreadyAnswered, BadInput, NothingToAnswer, QuestionClosed
from bot.core.srs import Grade
from bot.core.views import QuestionView, ReceiptView, RevealView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World, wrong


async def open_drill(world: World) -> QuestionView:
    """A drill posted now, as the channel sees it."""
    started = await world.service.drill_now(PLACE, MOD)
    assert (started.kind, started.count) == ("drill", 1)
    await world.deliver()
    return world.questions("drill")[-1]


async def test_a_drill_answer_is_locked_in_and_hidden(world: World) -> None:
    """The receipt names the post, the choice and the reveal time, and not right or wrong."""
    drill = await open_drill(world)
    assert drill.post_id is not None and drill.closes_at is not None
    receipt = await world.service.record_answer(PLACE, ANA, drill.post_id, 2)
    assert receipt == ReceiptView("drill", drill.question_id, 2, drill.closes_at, drill.post_id)
    assert not hasattr(receipt, "correct")
    assert world.posted(RevealView) == []


async def test_only_the_first_answer_counts(world: World) -> None:
    """A second answer is refused and the first one stays recorded."""
    drill = await open_drill(world)
    question = world.question(drill)
    await world.service.answer_in_channel(PLACE, ANA, "abcd"[question.answer])
    with pytest.raises(AlreadyAnswered, match="only your first answer counts"):
        await world.service.record_answer(PLACE, ANA, drill.post_id or 0, wrong(question))
    async with world.repo.unit() as u:
        answers = await u.answers_for_post(drill.post_id or 0)
    assert [(a.learner_name, a.correct, a.choice) for a in answers] == [
        ("Ana", True, question.answer)
    ]


async def test_answering_a_closed_question_is_refused_politely(world: World) -> None:
    """After the reveal, a click on the old question gets QuestionClosed, not a crash."""
    drill = await open_drill(world)
    await world.advance(timedelta(hours=9))
    with pytest.raises(QuestionClosed, match="closed; the answer has been revealed"):
        await world.service.record_answer(PLACE, BOB, drill.post_id or 0, 1)
    with pytest.raises(NothingToAnswer, match="no open question here"):
        await world.service.answer_in_channel(PLACE, BOB, "b")


async def test_the_window_end_itself_is_closed(world: World) -> None:
    """A click at the very instant the window ends is too late, a second earlier is not."""
    drill = await open_drill(world)
    assert drill.closes_at is not None and drill.post_id is not None
    world.clock.set(drill.closes_at - timedelta(seconds=1))
    await world.service.record_answer(PLACE, ANA, drill.post_id, 0)
    world.clock.set(drill.closes_at)
    with pytest.raises(QuestionClosed):
        await world.service.record_answer(PLACE, BOB, drill.post_id, 0)


@pytest.mark.parametrize("choice", [4, -1])
async def test_a_choice_outside_the_options_is_bad_input(world: World, choice: int) -> None:
    """Answering outside a four-option question names the valid letters and records nothing."""
    drill = await open_drill(world)
    with pytest.raises(BadInput) as raised:
        await world.service.record_answer(PLACE, ANA, drill.post_id or 0, choice)
    assert str(raised.value) == "Pick one of a, b, c, d."
    async with world.repo.unit() as u:
        assert await u.find_learner(ANA.platform, ANA.user_id) is None


async def test_a_wrong_answer_rates_the_card_again(world: World) -> None:
    """A wrong drill answer rates the card Again: it is due again within the day, 0 points."""
    drill = await open_drill(world)
    question = world.question(drill)
    world.clock.advance(timedelta(seconds=90))
    await world.service.record_answer(PLACE, ANA, drill.post_id or 0, wrong(question))
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        card = await u.get_card(learner.id, question.id)
        [answer] = await u.answers_of(learner.id)
    assert card is not None and card.due - world.clock.now() < timedelta(days=1)
    assert (answer.rating, answer.points, answer.correct) == (Grade.AGAIN, 0, False)
    assert (answer.latency_ms, answer.channel, answer.post_id) == (90_000, "#study", drill.post_id)


async def test_a_right_drill_answer_is_good_and_scores_ten(world: World) -> None:
    """A right drill answer is Good (drills give no Easy), worth 10 points, card due later."""
    drill = await open_drill(world)
    question = world.question(drill)
    await world.service.record_answer(PLACE, ANA, drill.post_id or 0, question.answer)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        [answer] = await u.answers_of(learner.id)
        card = await u.get_card(learner.id, question.id)
    assert (answer.rating, answer.points, answer.correct) == (Grade.GOOD, 10, True)
    assert card is not None and card.reps == 1


async def test_the_reveal_counts_right_answers_and_lists_who(world: World) -> None:
    """At window close the reveal shows the answer, rationales and 1 of 2 correct."""
    drill = await open_drill(world)
    question = world.question(drill)
    await world.service.answer_in_channel(PLACE, ANA, "abcd"[question.answer])
    await world.service.answer_in_channel(PLACE, BOB, "abcd"[wrong(question)])
    await world.advance(timedelta(hours=8))
    [reveal] = world.posted(RevealView)
    assert (reveal.correct_count, reveal.total, reveal.correct_names) == (1, 2, ("Ana",))
    assert reveal.more_names == 0 and reveal.streaks == (("Ana", 1),)
    assert (reveal.answer, reveal.explanation, reveal.prompt) == (
        question.answer,
        question.explanation,
        question.prompt,
    )
    assert reveal.rationales == question.rationales and reveal.choices == question.choices
    assert (reveal.kind, reveal.question_id, reveal.position, reveal.of) == (
        "drill",
        question.id,
        None,
        None,
    )
