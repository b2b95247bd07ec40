"""Review batches interleave due cards with new questions while unseen ones remain."""

from __future__ import annotations

from datetime import timedelta

from bot.core import selection
from bot.core.views import ReviewCardView
from tests.core.conftest import ANA, PLACE, World, make_bank, make_world, wrong


async def answer_batch(world: World, right: bool) -> list[tuple[str, bool]]:
    """Answer a whole batch; (question id, was it seen before this batch) per card."""
    async with world.repo.unit(readonly=True) as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        seen = {c.question_id for c in await u.cards_of(learner.id)} if learner else set()
    shown: list[tuple[str, bool]] = []
    card: ReviewCardView | None = await world.service.start_review(PLACE, ANA)
    while card is not None:
        question = world.question(card.question)
        shown.append((question.id, question.id in seen))
        await world.advance(timedelta(seconds=20))
        choice = question.answer if right else wrong(question)
        step = await world.service.answer_review(PLACE, ANA, card.session_id, choice)
        card = step.next
    return shown


def test_the_first_card_of_every_ten_prefers_a_due_one() -> None:
    """Position 1 of a ten-card batch goes to a due card first; the others to new ones."""
    assert [p for p in range(1, 21) if selection.due_first(p)] == [1, 11]


async def test_due_cards_do_not_crowd_out_new_questions(world: World) -> None:
    """Cards failed yesterday are due: the next batch still opens with one of them and
    fills the rest with new questions while any remain (the bank has 18: the tenth card
    falls back to a due one)."""
    await answer_batch(world, right=False)
    await world.advance(timedelta(days=1))
    shown = await answer_batch(world, right=True)
    reviews = [n for n, (_, before) in enumerate(shown, start=1) if before]
    assert len(world.bank.questions) == 18
    assert reviews == [1, 10]
    assert len({qid for qid, _ in shown}) == len(shown) == 10


async def test_a_second_batch_brings_one_review_and_nine_new_questions() -> None:
    """With unseen questions to spare (a bank of 30), the batch after a failed one opens
    with a card failed yesterday and brings nine new questions after it."""
    world = make_world(make_bank(per_concept=10))
    await world.service.sync_questions()
    await answer_batch(world, right=False)
    await world.advance(timedelta(days=1))
    shown = await answer_batch(world, right=True)
    assert [n for n, (_, before) in enumerate(shown, start=1) if before] == [1]
    assert len({qid for qid, _ in shown}) == len(shown) == 10


async def test_with_the_bank_seen_every_card_is_a_review(world: World) -> None:
    """Once no unseen question is left, due cards fill every position."""
    seen: set[str] = set()
    while len(seen) < len(world.bank.questions):
        seen |= {qid for qid, _ in await answer_batch(world, right=False)}
    await world.advance(timedelta(days=1))
    shown = await answer_batch(world, right=True)
    assert shown and all(before for _, before in shown)
    assert len({qid for qid, _ in shown}) == len(shown), "no card twice in a batch"
