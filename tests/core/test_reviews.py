"""Personal review: stored sessions that grade each card once and survive a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import BadInput, NotHere, QuestionClosed, ReviewEnded
from bot.core.ports import Place
from bot.core.questions import QuestionBank
from bot.core.service import CoreConfig
from bot.core.srs import Grade
from bot.core.views import ReviewCardView
from tests.core.conftest import ANA, BOB, PLACE, World, make_world, wrong


async def first_card(world: World) -> ReviewCardView:
    card = await world.service.start_review(PLACE, ANA)
    assert card is not None
    return card


async def ratings(world: World) -> list[int]:
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        return [a.rating for a in await u.answers_of(learner.id)]


async def test_a_session_starts_with_a_numbered_card(world: World) -> None:
    """The first card is 1 of the batch, a review question with no post and no close time."""
    card = await first_card(world)
    assert (card.position, card.of) == (1, 10)
    view = card.question
    assert (view.kind, view.position, view.of, view.post_id, view.closes_at) == (
        "review",
        1,
        10,
        None,
        None,
    )
    assert view.concept_title == f"Concept {view.concept}"


async def test_review_feedback_is_immediate_with_the_explanation(world: World) -> None:
    """A wrong review answer tells the right letter, why mine was wrong, and the explanation."""
    card = await first_card(world)
    question = world.question(card.question)
    step = await world.service.answer_review(PLACE, ANA, card.session_id, wrong(question))
    feedback = step.feedback
    assert (feedback.correct, feedback.answer, feedback.choice) == (
        False,
        question.answer,
        wrong(question),
    )
    assert feedback.rationale == question.rationales[wrong(question)]
    assert feedback.explanation == question.explanation and feedback.choices == question.choices
    assert feedback.next_due - world.clock.now() < timedelta(hours=1)
    assert (step.session_id, step.position, step.repeated) == (card.session_id, 1, False)
    assert step.next is not None and step.next.position == 2
    assert step.next.question.question_id != question.id


async def test_a_right_answer_has_no_rationale_and_a_later_due_date(world: World) -> None:
    """Right: no 'why wrong' line, and the card is not due again within the hour."""
    card = await first_card(world)
    question = world.question(card.question)
    step = await world.service.answer_review(PLACE, ANA, card.session_id, question.answer)
    assert step.feedback.correct and step.feedback.rationale is None
    assert step.feedback.next_due - world.clock.now() > timedelta(hours=1)


async def test_review_shows_due_cards_before_new_ones(world: World) -> None:
    """A card answered wrong yesterday comes back first, before any unseen question."""
    card = await first_card(world)
    question = world.question(card.question)
    await world.service.answer_review(PLACE, ANA, card.session_id, wrong(question))
    await world.advance(timedelta(days=1))
    again = await first_card(world)
    assert again.question.question_id == question.id
    step = await world.service.answer_review(PLACE, ANA, again.session_id, question.answer)
    assert step.next is not None and step.next.question.question_id != question.id


async def test_new_questions_come_hardest_first(world: World) -> None:
    """With nothing due, a new learner starts on the hardest question of the bank."""
    card = await first_card(world)
    hardest = max(q.difficulty for q in world.bank.questions)
    assert world.question(card.question).difficulty == hardest > 1


async def test_reviews_score_no_points(world: World) -> None:
    """Personal review cannot be farmed for leaderboard points."""
    card = await first_card(world)
    question = world.question(card.question)
    await world.service.answer_review(PLACE, ANA, card.session_id, question.answer)
    board = await world.service.leaderboard(PLACE, "all")
    assert [(r.points, r.correct, r.answered) for r in board.rows] == [(0, 1, 1)]


async def test_a_double_click_grades_once(world: World) -> None:
    """The same card answered twice: graded once, the repeat returns the stored feedback."""
    card = await first_card(world)
    question = world.question(card.question)
    first = await world.service.answer_review(PLACE, ANA, card.session_id, question.answer, 1)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        before = await u.get_card(learner.id, question.id)
    world.clock.advance(timedelta(seconds=3))
    again = await world.service.answer_review(PLACE, ANA, card.session_id, wrong(question), 1)
    assert again.repeated and not first.repeated
    assert (again.session_id, again.position) == (card.session_id, 1)
    assert again.feedback == first.feedback and again.next == first.next
    async with world.repo.unit() as u:
        assert await u.get_card(learner.id, question.id) == before
    assert len(await ratings(world)) == 1


async def test_the_easy_grade_is_timed_from_the_servers_record(world: World) -> None:
    """Right within 8 s of the server showing the card is Easy; after that it is Good."""
    card = await first_card(world)
    world.clock.advance(timedelta(seconds=8))
    step = await world.service.answer_review(
        PLACE, ANA, card.session_id, world.question(card.question).answer
    )
    assert step.next is not None
    world.clock.advance(timedelta(seconds=9))
    await world.service.answer_review(
        PLACE, ANA, card.session_id, world.question(step.next.question).answer
    )
    assert await ratings(world) == [Grade.EASY, Grade.GOOD]


async def test_showing_the_card_again_restarts_its_timer(world: World) -> None:
    """review_card shows the current card anew; the answer is timed from that moment."""
    card = await first_card(world)
    world.clock.advance(timedelta(minutes=5))
    shown = await world.service.review_card(PLACE, ANA, card.session_id)
    assert shown == card
    world.clock.advance(timedelta(seconds=2))
    await world.service.answer_review(
        PLACE, ANA, card.session_id, world.question(card.question).answer
    )
    assert await ratings(world) == [Grade.EASY]


async def test_a_session_continues_after_a_restart(world: World) -> None:
    """A new process on the same database grades the session's current card and moves on."""
    card = await first_card(world)
    step = await world.service.answer_review(
        PLACE, ANA, card.session_id, world.question(card.question).answer
    )
    assert step.next is not None
    restarted = world.restart(at=world.clock.now() + timedelta(minutes=2))
    shown = await restarted.service.review_card(PLACE, ANA, card.session_id)
    assert shown is not None and shown.question == step.next.question and shown.position == 2
    after = await restarted.service.answer_review(PLACE, ANA, card.session_id, 0)
    assert (after.position, after.repeated) == (2, False)
    assert after.feedback.question_id == step.next.question.question_id
    assert after.next is not None and after.next.position == 3
    assert len(await ratings(world)) == 2


async def test_a_session_ends_after_thirty_idle_minutes(world: World) -> None:
    """Idle for exactly 30 minutes the session goes on; a minute more and it has ended."""
    card = await first_card(world)
    world.clock.advance(timedelta(minutes=30))
    step = await world.service.answer_review(PLACE, ANA, card.session_id, 0)
    assert step.next is not None
    world.clock.advance(timedelta(minutes=31))
    with pytest.raises(ReviewEnded) as raised:
        await world.service.answer_review(PLACE, ANA, card.session_id, 0)
    assert str(raised.value) == "That review session has ended. Start a new review to go on."
    with pytest.raises(ReviewEnded):
        await world.service.review_card(PLACE, ANA, card.session_id)
    assert len(await ratings(world)) == 1


async def test_an_unknown_session_has_ended(world: World) -> None:
    """A button naming a session that does not exist is told the session ended."""
    await first_card(world)
    with pytest.raises(ReviewEnded):
        await world.service.answer_review(PLACE, ANA, 999, 0)


async def test_another_learners_session_is_refused(world: World) -> None:
    """Bob cannot answer Ana's card, nor from another workspace; nothing is recorded."""
    card = await first_card(world)
    await world.service.start_review(PLACE, BOB)  # Bob exists and has his own session
    with pytest.raises(NotHere) as raised:
        await world.service.answer_review(PLACE, BOB, card.session_id, 0)
    assert str(raised.value) == "That review session belongs somewhere else; nothing was recorded."
    with pytest.raises(NotHere):
        await world.service.review_card(PLACE, BOB, card.session_id)
    elsewhere = Place("test", "guild-2", "#study")
    await world.service.start_review(elsewhere, ANA)
    with pytest.raises(NotHere):
        await world.service.answer_review(elsewhere, ANA, card.session_id, 0)
    with pytest.raises(NotHere):
        await world.service.answer_review(Place("test", "guild-9", "#x"), ANA, card.session_id, 0)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None and await u.answers_of(learner.id) == []
        bob = await u.find_learner(BOB.platform, BOB.user_id)
        assert bob is not None and await u.answers_of(bob.id) == []


async def test_a_card_outside_the_session_is_bad_input(world: World) -> None:
    """Position 0 or one past the cards shown is refused with a reason; a bad choice too."""
    card = await first_card(world)
    for position in (0, 2):
        with pytest.raises(BadInput) as raised:
            await world.service.answer_review(PLACE, ANA, card.session_id, 0, position)
        assert str(raised.value) == "That card is not part of this review session."
    with pytest.raises(BadInput, match="Pick one of a, b, c, d"):
        await world.service.answer_review(PLACE, ANA, card.session_id, 7)
    assert await ratings(world) == []


async def test_a_batch_ends_after_its_size(world: World) -> None:
    """With batches of 3, the third answer has no next card and review_card says done."""
    small = make_world(config=CoreConfig(review_batch=3))
    await small.service.sync_questions()
    card = await small.service.start_review(PLACE, ANA)
    assert card is not None and card.of == 3
    session, current = card.session_id, card
    for position in (1, 2, 3):
        step = await small.service.answer_review(PLACE, ANA, session, 0)
        assert step.position == position
        if position < 3:
            assert step.next is not None
            current = step.next
    assert step.next is None and current.position == 3
    assert await small.service.review_card(PLACE, ANA, session) is None
    repeat = await small.service.answer_review(PLACE, ANA, session, 1, 3)
    assert repeat.repeated and repeat.next is None


async def test_nothing_to_review_gives_none(world: World) -> None:
    """When every question was answered right and nothing is due, there is no session."""
    bank = QuestionBank(world.bank.concepts, world.bank.questions[:2])
    tiny = make_world(bank=bank)
    await tiny.service.sync_questions()
    card = await tiny.service.start_review(PLACE, ANA)
    assert card is not None and card.of == 2
    step = await tiny.service.answer_review(
        PLACE, ANA, card.session_id, tiny.question(card.question).answer
    )
    assert step.next is not None
    last = await tiny.service.answer_review(
        PLACE, ANA, card.session_id, tiny.question(step.next.question).answer
    )
    assert last.next is None
    assert await tiny.service.start_review(PLACE, ANA) is None


async def test_a_card_retired_from_the_bank_cannot_be_graded(world: World) -> None:
    """A restart without the current card's question refuses to grade it and records nothing."""
    card = await first_card(world)
    gone = card.question.question_id
    smaller = QuestionBank(
        world.bank.concepts, tuple(q for q in world.bank.questions if q.id != gone)
    )
    restarted = world.restart(bank=smaller)
    await restarted.service.sync_questions()
    with pytest.raises(QuestionClosed):
        await restarted.service.answer_review(PLACE, ANA, card.session_id, 0)
    assert await restarted.service.review_card(PLACE, ANA, card.session_id) is None
    assert await ratings(world) == []


async def test_a_new_session_skips_cards_seen_before_that_are_not_due(world: World) -> None:
    """Known, not yet due questions stay out: a second batch goes on to unseen ones."""
    bank = QuestionBank(world.bank.concepts, world.bank.questions[:3])
    small = make_world(bank=bank)
    await small.service.sync_questions()
    card = await small.service.start_review(PLACE, ANA)
    assert card is not None
    seen = card.question.question_id
    await small.service.answer_review(
        PLACE, ANA, card.session_id, small.question(card.question).answer
    )
    small.clock.advance(timedelta(hours=2))
    again = await small.service.start_review(PLACE, ANA)
    assert again is not None and again.of == 2
    step = await small.service.answer_review(PLACE, ANA, again.session_id, 0)
    assert step.next is not None
    shown = {again.question.question_id, step.next.question.question_id}
    assert seen not in shown and len(shown) == 2


async def test_a_review_answer_is_logged_in_its_channel(world: World) -> None:
    """The review log keeps where the learner reviewed; it earns no points and has no post."""
    card = await first_card(world)
    await world.service.answer_review(PLACE, ANA, card.session_id, 0)
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        [answer] = await u.answers_of(learner.id)
    assert (answer.channel, answer.post_id, answer.points) == ("#study", None, 0)


async def test_a_bank_of_one_question_still_gives_a_session(world: World) -> None:
    """One card available is a batch of one, not nothing to review."""
    one = make_world(bank=QuestionBank(world.bank.concepts, world.bank.questions[:1]))
    await one.service.sync_questions()
    card = await one.service.start_review(PLACE, ANA)
    assert card is not None and (card.position, card.of) == (1, 1)


async def test_the_session_remembers_when_each_card_was_shown_and_answered(world: World) -> None:
    """The stored session holds the server's times, which a restart times answers from."""
    card = await first_card(world)
    shown = world.clock.now()
    world.clock.advance(timedelta(seconds=20))
    await world.service.answer_review(PLACE, ANA, card.session_id, 1)
    async with world.repo.unit() as u:
        session = await u.get_review(card.session_id)
    assert session is not None
    first, second = session.items
    assert (first.shown_at, first.choice, first.answered_at) == (shown, 1, world.clock.now())
    assert (second.shown_at, second.choice, second.answered_at) == (world.clock.now(), None, None)
    assert session.last_activity_at == world.clock.now()


async def test_a_due_card_starts_a_session_when_nothing_is_new(world: World) -> None:
    """Every question seen: a card that is due again still makes a batch of one."""
    two = make_world(bank=QuestionBank(world.bank.concepts, world.bank.questions[:2]))
    await two.service.sync_questions()
    card = await two.service.start_review(PLACE, ANA)
    assert card is not None
    step = await two.service.answer_review(
        PLACE, ANA, card.session_id, wrong(two.question(card.question))
    )
    assert step.next is not None
    await two.service.answer_review(
        PLACE, ANA, card.session_id, two.question(step.next.question).answer
    )
    two.clock.advance(timedelta(minutes=30))
    again = await two.service.start_review(PLACE, ANA)
    assert again is not None and again.of == 1
    assert again.question.question_id == card.question.question_id
