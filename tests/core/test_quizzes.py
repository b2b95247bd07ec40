"""Group quiz rounds as a platform drives them: timed closes, early closes, round scores."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.errors import BadInput, NoQuestions, QuizAlreadyRunning, UnknownConcept
from bot.core.ports import Place, Who
from bot.core.questions import Concept, QuestionBank
from bot.core.schedules import DrillSpec
from bot.core.srs import Grade
from bot.core.views import BoardView, QuestionView, ReceiptView, RevealView, StartedView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World, make_world, wrong

CAROL = Who("test", "u-carol", "Carol")


def current(world: World) -> QuestionView:
    return world.questions("quiz")[-1]


async def click(world: World, who: Who, right: bool = True) -> ReceiptView:
    """A button click on the question the channel shows now, then what is due runs."""
    view = current(world)
    question = world.question(view)
    assert view.post_id is not None
    receipt = await world.service.record_answer(
        PLACE, who, view.post_id, question.answer if right else wrong(question)
    )
    await world.deliver()
    return receipt


async def start(world: World, count: int, roster: tuple[Who, ...] = ()) -> QuestionView:
    started = await world.service.start_quiz(PLACE, ANA, count=count, roster=roster)
    assert started == StartedView("quiz", count, None)
    assert world.outbox.posts == []  # the sender posts, not the use case
    await world.deliver()
    return current(world)


async def test_two_members_both_answer_the_first_question(world: World) -> None:
    """The starter's click does not close the question: the second member's click counts."""
    first = await start(world, count=2)
    await click(world, ANA)
    assert world.posted(RevealView) == []
    receipt = await click(world, BOB, right=False)
    assert receipt.post_id == first.post_id
    assert world.posted(RevealView) == []  # the first question waits for its timer
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at)
    [reveal] = world.posted(RevealView)
    assert (reveal.correct_count, reveal.total, reveal.correct_names) == (1, 2, ("Ana",))
    assert (reveal.position, reveal.of) == (1, 2)
    assert [v.position for v in world.questions("quiz")] == [1, 2]


async def test_later_questions_close_once_everyone_seen_so_far_answered(world: World) -> None:
    """From the second question on, the answerers of earlier questions close it early."""
    first = await start(world, count=3)
    await click(world, ANA)
    await click(world, BOB)
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at)
    second = current(world)
    assert second.position == 2 and second.closes_at is not None
    world.clock.advance(timedelta(seconds=10))
    await click(world, BOB)
    assert len(world.posted(RevealView)) == 1  # still waiting for Ana
    await click(world, ANA)
    assert len(world.posted(RevealView)) == 2
    third = current(world)
    assert third.position == 3 and third.closes_at is not None
    assert third.closes_at > second.closes_at
    # the armed close of the second question must not close anything when it comes
    await world.timer.advance_to(second.closes_at)
    assert len(world.posted(RevealView)) == 2
    assert [v.position for v in world.questions("quiz")] == [1, 2, 3]
    assert [v.of for v in world.questions("quiz")] == [3, 3, 3]
    assert [r.position for r in world.posted(RevealView)] == [1, 2]
    assert len([e for e in world.outbox.edits if e[2].position == 2]) == 1


async def test_a_newcomer_is_waited_for_from_the_next_question(world: World) -> None:
    """Carol answers the second question only: the third waits for her too."""
    first = await start(world, count=3)
    await click(world, ANA)
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at)
    await click(world, CAROL)  # expected: Ana; Carol joins in
    assert len(world.posted(RevealView)) == 1
    await click(world, ANA)
    assert len(world.posted(RevealView)) == 2
    await click(world, ANA)
    assert len(world.posted(RevealView)) == 2  # waiting for Carol
    await click(world, CAROL)
    assert len(world.posted(RevealView)) == 3


async def test_an_explicit_roster_closes_even_the_first_question_early(world: World) -> None:
    """The console's group is expected from the start: once both answered, it moves on."""
    await start(world, count=2, roster=(ANA, BOB, BOB))
    await click(world, ANA)
    assert world.posted(RevealView) == []
    await click(world, BOB, right=False)
    [reveal] = world.posted(RevealView)
    assert (reveal.correct_count, reveal.total, reveal.position, reveal.of) == (1, 2, 1, 2)
    assert [v.position for v in world.questions("quiz")] == [1, 2]


async def test_a_question_closes_when_its_window_ends(world: World) -> None:
    """Nobody answers: the timer closes the question and the next one is posted."""
    first = await start(world, count=2)
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at - timedelta(seconds=1))
    assert world.posted(RevealView) == []
    await world.timer.advance_to(first.closes_at)
    assert len(world.posted(RevealView)) == 1 and len(world.questions("quiz")) == 2
    second = current(world)
    assert second.closes_at is not None and second.closes_at > first.closes_at


async def test_the_window_grows_with_the_text_to_read(world: World) -> None:
    """A quiz question stays open 20 s plus about a second per 15 characters to read."""
    first = await start(world, count=1)
    question = world.question(first)
    reading = len(question.prompt) + sum(len(c) for c in question.choices)
    assert first.closes_at == world.clock.now() + timedelta(seconds=20 + reading // 15)


async def test_the_reveal_edits_the_question_and_replies_to_it(world: World) -> None:
    """At the close the question's own message loses its buttons and the reveal names it."""
    first = await start(world, count=1)
    assert first.closes_at is not None
    await world.timer.advance_to(first.closes_at)
    [(place, message_id, closed)] = world.outbox.edits
    assert (place, message_id) == (PLACE, "m1")
    assert closed.closed and closed.question_id == first.question_id
    assert closed.post_id == first.post_id and (closed.position, closed.of) == (1, 1)
    [reveal] = world.posted(RevealView)
    assert (reveal.post_id, reveal.question_message_id) == (first.post_id, "m1")
    async with world.repo.unit() as u:
        post = await u.get_post(first.post_id or 0)
    assert post is not None and post.message_id == "m1"  # the reveal's own id is not the post's


async def test_the_round_ends_with_a_scoreboard(world: World) -> None:
    """After the last reveal the round's scores are posted, the right answerer ahead."""
    await start(world, count=3, roster=(ANA, BOB))
    for _ in range(3):
        await click(world, BOB, right=False)
        await click(world, ANA)
    [board] = world.posted(BoardView)
    assert (board.kind, board.title) == ("round", "Quiz over: round scores")
    assert [(r.display_name, r.correct, r.answered) for r in board.rows] == [
        ("Ana", 3, 3),
        ("Bob", 0, 3),
    ]
    assert board.rows[0].points == 21 and board.rows[1].points == 0  # 5 + 2 fast, three times
    assert board.rows[0].platform_user_id == "u-ana"
    assert isinstance(world.outbox.posts[-1][1], BoardView) and world.outbox.posts[-1][0] == PLACE
    await world.service.start_quiz(PLACE, BOB, count=1)  # the channel is free again


async def test_slow_quiz_answers_score_five(world: World) -> None:
    """Right after the first third of the window: 5 points; within it: 7."""
    first = await start(world, count=2, roster=(ANA,))
    assert first.closes_at is not None
    window = first.closes_at - world.clock.now()
    world.clock.advance(window / 3)
    await click(world, ANA)
    second = current(world)
    assert second.closes_at is not None
    world.clock.advance((second.closes_at - world.clock.now()) / 3 + timedelta(seconds=1))
    await click(world, ANA)
    board = await world.service.leaderboard(PLACE, "all")
    assert [r.points for r in board.rows] == [7 + 5]


async def test_one_quiz_per_channel_and_sane_arguments(world: World) -> None:
    """A second quiz is refused while one runs; bad counts and concepts are explained."""
    with pytest.raises(UnknownConcept) as unknown:
        await world.service.start_quiz(PLACE, ANA, concept="omega")
    assert str(unknown.value) == "Unknown concept 'omega'. Known concepts: alpha, beta, gamma"
    for count in (0, 21):
        with pytest.raises(BadInput) as bad:
            await world.service.start_quiz(PLACE, ANA, count=count)
        assert str(bad.value) == "A quiz has 1 to 20 questions."
    started = await world.service.start_quiz(PLACE, ANA, concept="beta", count=3)
    assert started == StartedView("quiz", 3, "beta")
    await world.deliver()
    assert {v.concept for v in world.questions("quiz")} == {"beta"}
    with pytest.raises(QuizAlreadyRunning, match="already running in this channel"):
        await world.service.start_quiz(PLACE, BOB)


async def test_a_quiz_takes_the_configured_count_and_at_most_the_bank(world: World) -> None:
    """Without a count a quiz has five questions; a small concept gives what it has."""
    started = await world.service.start_quiz(PLACE, ANA)
    assert started.count == 5
    elsewhere = Place("test", "guild-1", "#other")
    assert (await world.service.start_quiz(elsewhere, ANA, "alpha", 20)).count == 6


async def test_a_concept_without_questions_has_no_quiz() -> None:
    """A concept the bank names but holds no question for is explained, not crashed on."""
    bank = make_world().bank
    world = make_world(
        bank=QuestionBank(bank.concepts + (Concept("empty", "Empty"),), bank.questions)
    )
    with pytest.raises(NoQuestions) as raised:
        await world.service.start_quiz(PLACE, ANA, concept="empty")
    assert str(raised.value) == "No questions for empty."
    assert world.service.concepts() == [
        ("alpha", "Concept alpha"),
        ("beta", "Concept beta"),
        ("gamma", "Concept gamma"),
    ]


async def test_quiz_questions_avoid_the_channels_recent_drills(world: World) -> None:
    """A quiz in a concept takes the questions no recent drill of the channel showed."""
    spec = DrillSpec(time(23, 0), "UTC", window=timedelta(hours=1), concept="alpha")
    await world.service.set_drill(PLACE, MOD, spec)
    for _ in range(3):
        await world.service.drill_now(PLACE, MOD)
        await world.advance(timedelta(hours=2))
    shown = {v.question_id for v in world.questions("drill")}
    assert len(shown) == 3
    await world.service.start_quiz(PLACE, ANA, concept="alpha", count=3)
    await world.advance(timedelta(minutes=5))
    assert len(world.questions("quiz")) == 3
    assert not {v.question_id for v in world.questions("quiz")} & shown


async def test_a_question_retired_mid_round_is_skipped(world: World) -> None:
    """A restart whose bank lost the round's second question goes on with the third."""
    await start(world, count=3)
    async with world.repo.unit() as u:
        quiz = await u.get_round(1)
    assert quiz is not None
    second = quiz.question_ids[1]
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != second)
    )
    restarted = world.restart(bank=smaller)
    await restarted.service.catch_up()
    await restarted.advance(timedelta(minutes=1))
    await restarted.advance(timedelta(minutes=2))
    assert [v.position for v in restarted.questions("quiz")] == [3]
    assert [r.position for r in restarted.posted(RevealView)] == [1, 3]
    [board] = restarted.posted(BoardView)
    assert board.rows == ()


async def test_a_fast_right_quiz_answer_is_easy(world: World) -> None:
    """Within the first third of the window a right quiz answer rates Easy; later Good."""
    first = await start(world, count=3, roster=(ANA,))
    assert first.closes_at is not None
    await click(world, ANA)
    second = current(world)
    assert second.closes_at is not None
    world.clock.advance((second.closes_at - world.clock.now()) * 0.3)  # within a third
    await click(world, ANA)
    third = current(world)
    assert third.closes_at is not None
    world.clock.advance((third.closes_at - world.clock.now()) / 2)
    await click(world, ANA)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        ratings = [a.rating for a in await u.answers_of(learner.id)]
    assert ratings == [Grade.EASY, Grade.EASY, Grade.GOOD]
