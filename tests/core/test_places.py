"""Answers check where they come from: a click from another place records nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.core.errors import (
    NotAnAnswer,
    NotHere,
    NothingToAnswer,
    QuestionClosed,
    StudyError,
)
from bot.core.ports import Place
from bot.core.questions import Concept, QuestionBank
from bot.core.views import QuestionView, ReceiptView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World, make_bank, make_truefalse, make_world

OTHER_GUILD = Place("test", "guild-2", "#study")
OTHER_CHANNEL = Place("test", "guild-1", "#random")
OTHER_PLATFORM = Place("slack", "guild-1", "#study")


async def posted_drill(world: World, place: Place = PLACE) -> QuestionView:
    await world.service.drill_now(place, MOD)
    await world.deliver()
    return world.questions("drill")[-1]


async def nothing_recorded(world: World) -> bool:
    """No answer row, and no learner created for the refused clicker."""
    async with world.repo.unit() as u:
        bob = await u.find_learner(BOB.platform, BOB.user_id)
        ana = await u.find_learner(ANA.platform, ANA.user_id)
        return bob is None and (ana is None or await u.answers_of(ana.id) == [])


async def test_a_click_from_another_server_is_refused(world: World) -> None:
    """A button naming guild-1's open post, clicked in guild-2, records nothing there."""
    drill = await posted_drill(world)
    await posted_drill(world, OTHER_GUILD)  # guild-2 is a known workspace with its own drill
    with pytest.raises(NotHere) as raised:
        await world.service.record_answer(OTHER_GUILD, BOB, drill.post_id or 0, 0)
    assert str(raised.value) == "That question belongs somewhere else; nothing was recorded."
    assert await nothing_recorded(world)


@pytest.mark.parametrize(
    "place",
    [Place("test", "guild-9", "#study"), OTHER_CHANNEL, OTHER_PLATFORM],
    ids=["unknown-server", "other-channel", "other-platform"],
)
async def test_a_click_from_elsewhere_is_refused(world: World, place: Place) -> None:
    """Another channel, an unknown workspace or another platform: NotHere and no row."""
    drill = await posted_drill(world)
    with pytest.raises(NotHere):
        await world.service.record_answer(place, BOB, drill.post_id or 0, 0)
    assert await nothing_recorded(world)


async def test_a_garbage_post_id_is_refused(world: World) -> None:
    """A made-up post id is a domain error naming no command, and records nothing."""
    await posted_drill(world)
    with pytest.raises(NothingToAnswer) as raised:
        await world.service.record_answer(PLACE, BOB, 4242, 0)
    assert "/" not in str(raised.value)
    assert await nothing_recorded(world)


async def test_a_closed_post_and_a_retired_question_are_refused(world: World) -> None:
    """Clicks on a revealed post, or on a post whose question left the bank, record nothing."""
    old = await posted_drill(world)
    await world.advance(timedelta(hours=9))
    with pytest.raises(QuestionClosed):
        await world.service.record_answer(PLACE, BOB, old.post_id or 0, 0)
    fresh = await posted_drill(world)
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != fresh.question_id)
    )
    restarted = world.restart(bank=smaller)
    with pytest.raises(QuestionClosed):
        await restarted.service.record_answer(PLACE, BOB, fresh.post_id or 0, 0)
    async with world.repo.unit() as u:
        post = await u.get_post(fresh.post_id or 0)
    assert post is not None and post.message_id == "m3"  # m2 was the first drill's reveal
    with pytest.raises(QuestionClosed):
        await restarted.service.answer_by_message(PLACE, BOB, post.message_id, "a")
    assert await nothing_recorded(world)


async def test_every_refusal_is_a_study_error(world: World) -> None:
    """Adapters can rely on one base class to turn refusals into a friendly line."""
    drill = await posted_drill(world)
    service = world.service
    attempts: list[Callable[[], Awaitable[ReceiptView]]] = [
        lambda: service.record_answer(OTHER_GUILD, BOB, drill.post_id or 0, 0),
        lambda: service.record_answer(PLACE, BOB, -5, 0),
        lambda: service.answer_by_message(PLACE, BOB, "no-such-message", "a"),
        lambda: service.answer_in_channel(OTHER_CHANNEL, BOB, "a"),
    ]
    for attempt in attempts:
        with pytest.raises(StudyError):
            await attempt()
    assert await nothing_recorded(world)


async def test_a_thread_reply_answers_its_own_question_while_a_quiz_runs(world: World) -> None:
    """A reply under the drill's message answers the drill, not the newer quiz question."""
    drill = await posted_drill(world)
    await world.service.start_quiz(PLACE, ANA, count=2)
    await world.deliver()
    quiz = world.questions("quiz")[-1]
    assert world.outbox.posts[0][1] == drill and drill.post_id != quiz.post_id
    receipt = await world.service.answer_by_message(PLACE, BOB, "m1", " B) ")
    assert drill.closes_at is not None
    assert receipt == ReceiptView("drill", drill.question_id, 1, drill.closes_at, drill.post_id)
    typed = await world.service.answer_in_channel(PLACE, BOB, "c")
    assert typed.post_id == quiz.post_id and typed.kind == "quiz"
    threaded_quiz = await world.service.answer_by_message(PLACE, ANA, "m2", "a")
    assert threaded_quiz.post_id == quiz.post_id
    with pytest.raises(NothingToAnswer):
        await world.service.answer_by_message(OTHER_CHANNEL, ANA, "m1", "a")


async def test_a_reply_that_is_no_answer_is_ignorable(world: World) -> None:
    """Chatter in a question's thread raises NotAnAnswer (the adapter ignores it); no row."""
    await posted_drill(world)
    for text in ("nice one", "f", "true", "e", ""):
        with pytest.raises(NotAnAnswer) as raised:
            await world.service.answer_by_message(PLACE, BOB, "m1", text)
        assert raised.value.text == text
    assert str(raised.value) == "'' is not an answer here. Answer with one of a, b, c, d."
    assert await nothing_recorded(world)


async def test_true_false_questions_take_words(world: World) -> None:
    """A true/false question is answered with `False` typed in its thread."""
    bank = make_bank()
    statement = make_truefalse("tf-1", "tf", answer=1)
    world = make_world(
        bank=QuestionBank(bank.concepts + (Concept("tf", "Statements"),), (statement,))
    )
    await world.service.sync_questions()
    drill = await posted_drill(world)
    assert drill.type == "truefalse" and drill.choices == ("True", "False")
    receipt = await world.service.answer_by_message(PLACE, BOB, "m1", "False")
    assert receipt.choice == 1
    with pytest.raises(NotAnAnswer) as raised:
        await world.service.answer_by_message(PLACE, ANA, "m1", "maybe")
    assert str(raised.value) == "'maybe' is not an answer here. Answer with one of true, false."


async def test_a_reply_in_a_workspace_never_seen_has_nothing_to_answer(world: World) -> None:
    """A thread reply from an unknown workspace is no answer to anything there."""
    await posted_drill(world)
    with pytest.raises(NothingToAnswer):
        await world.service.answer_by_message(Place("test", "guild-9", "#study"), BOB, "m1", "a")
    assert await nothing_recorded(world)


async def test_a_typed_answer_in_a_workspace_never_seen_has_nothing_to_answer(
    world: World,
) -> None:
    """Typing an answer where studybot never posted is no answer to anything."""
    await posted_drill(world)
    with pytest.raises(NothingToAnswer):
        await world.service.answer_in_channel(Place("test", "guild-9", "#study"), BOB, "a")
    assert await nothing_recorded(world)
