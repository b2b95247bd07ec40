"""The question bank in the database, and FSRS cards with their due dates."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ports import Repository
from bot.core.records import QuestionRow, SyncReport

from .builders import T0, World, card


async def test_sync_questions_counts_changes_and_retires_without_deleting(
    repo: Repository, world: World
) -> None:
    """Sync reports added/updated/retired/active; retired questions stay, inactive."""
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q4", card(T0))
        report = await unit.sync_questions(
            [
                QuestionRow("q1", "tokens", "h-q1"),  # unchanged
                QuestionRow("q2", "tokens", "h-q2-edited"),  # updated
                QuestionRow("q3", "sampling", "h-q3"),  # concept moved: updated
                QuestionRow("q5", "tokens", "h-q5"),  # added; q4 is retired
            ]
        )
        active = await unit.active_question_ids()
        retired_card = await unit.get_card(world.alice.id, "q4")
    assert report == SyncReport(added=1, updated=2, retired=1, active=4)
    assert active == {"q1", "q2", "q3", "q5"}
    assert retired_card is not None

    async with repo.unit() as unit:
        back = await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in ("q1", "q4")])
        active = await unit.active_question_ids()
    assert back == SyncReport(added=0, updated=1, retired=3, active=2)
    assert active == {"q1", "q4"}


async def test_sync_questions_is_a_no_op_when_nothing_changed(repo: Repository) -> None:
    """Syncing the same bank twice reports no changes the second time."""
    rows = [QuestionRow("a", "c", "h1"), QuestionRow("b", "c", "h2")]
    async with repo.unit() as unit:
        first = await unit.sync_questions(rows)
    async with repo.unit() as unit:
        second = await unit.sync_questions(rows)
    assert first == SyncReport(added=2, updated=0, retired=0, active=2)
    assert second == SyncReport(added=0, updated=0, retired=0, active=2)


async def test_cards_round_trip(repo: Repository, world: World) -> None:
    """A saved card reads back equal; saving again replaces it; cards_for filters both ways;
    seen_questions names the learner's cards only."""
    first = card(T0)
    reviewed = card(T0 + timedelta(days=3), reps=4, last_review=T0)
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", first)
        loaded = await unit.get_card(world.alice.id, "q1")
        missing = await unit.get_card(world.bob.id, "q1")
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", reviewed)
        await unit.save_card(world.alice.id, "q3", first)
        await unit.save_card(world.bob.id, "q2", reviewed)
    async with repo.unit() as unit:
        alice_cards = await unit.cards_of(world.alice.id)
        alice_seen = await unit.seen_questions(world.alice.id)
        both = await unit.cards_for([world.alice.id, world.bob.id], ["q1", "q2"])
        nothing = await unit.cards_for([], ["q1"])
        no_questions = await unit.cards_for([world.alice.id], [])
    assert loaded == first and missing is None
    assert [(c.question_id, c.card) for c in alice_cards] == [("q1", reviewed), ("q3", first)]
    assert alice_seen == {"q1", "q3"}
    assert both == {(world.alice.id, "q1"): reviewed, (world.bob.id, "q2"): reviewed}
    assert nothing == {} and no_questions == {}


async def test_due_cards_most_overdue_first_active_only_and_limited(
    repo: Repository, world: World
) -> None:
    """due_cards skips retired questions and future cards, orders by due, honours limit."""
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0 - timedelta(hours=1)))
        await unit.save_card(world.alice.id, "q2", card(T0 - timedelta(days=2)))
        await unit.save_card(world.alice.id, "q3", card(T0 + timedelta(days=1)))
        await unit.save_card(world.alice.id, "q4", card(T0 - timedelta(days=5)))
        await unit.save_card(world.bob.id, "q1", card(T0 - timedelta(days=9)))
        await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in ("q1", "q2", "q3")])
    async with repo.unit() as unit:
        due = await unit.due_cards(world.alice.id, T0, limit=10)
        first = await unit.due_cards(world.alice.id, T0, limit=1)
        due_now = await unit.count_due(world.alice.id, T0)
        due_this_week = await unit.count_due(world.alice.id, T0 + timedelta(days=7))
    assert [c.question_id for c in due] == ["q2", "q1"]
    assert [c.question_id for c in first] == ["q2"]
    assert due_now == 2
    assert due_this_week == 3


async def test_due_boundaries(repo: Repository, world: World) -> None:
    """A card due exactly at the instant is due for due_cards and count_due (at or before)."""
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0))
        await unit.save_card(world.alice.id, "q2", card(T0 + timedelta(microseconds=1)))
    async with repo.unit() as unit:
        due = await unit.due_cards(world.alice.id, T0, limit=10)
        count = await unit.count_due(world.alice.id, T0)
    assert [c.question_id for c in due] == ["q1"]
    assert count == 1


async def test_due_times_lists_active_cards_due_before_until(
    repo: Repository, world: World
) -> None:
    """due_times: the learner's active cards due strictly before `until`, earliest first."""
    week = T0 + timedelta(days=7)
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0 + timedelta(days=2)))
        await unit.save_card(world.alice.id, "q2", card(T0 - timedelta(days=3)))  # overdue
        await unit.save_card(world.alice.id, "q3", card(week))  # at the end: excluded
        await unit.save_card(world.alice.id, "q4", card(T0 + timedelta(days=1)))  # retired
        await unit.save_card(world.bob.id, "q1", card(T0))  # someone else
        await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in ("q1", "q2", "q3")])
    async with repo.unit(readonly=True) as unit:
        times = await unit.due_times(world.alice.id, week)
        none = await unit.due_times(world.carol.id, week)
    assert times == [T0 - timedelta(days=3), T0 + timedelta(days=2)]
    assert none == []
