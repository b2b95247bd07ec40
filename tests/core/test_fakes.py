"""The in-memory fakes honour the semantics the core relies on from real storage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.errors import AlreadyAnswered
from bot.core.ports import Place
from bot.core.records import AnswerRecord, NewPost, QuestionRow
from bot.core.srs import new_card
from tests.core.fakes import FakeRepository, FakeUnit, RecordingOutbox

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _answer(
    learner_id: int,
    post_id: int | None,
    *,
    points: int = 10,
    correct: bool = True,
    at: datetime = NOW,
    tenant_id: int = 1,
) -> AnswerRecord:
    return AnswerRecord(
        learner_id=learner_id,
        question_id="q1",
        tenant_id=tenant_id,
        channel="general",
        post_id=post_id,
        choice=0,
        correct=correct,
        latency_ms=1200,
        rating=3,
        points=points,
        answered_at=at,
    )


def _drill(schedule_id: int | None = 1, local_date: date | None = date(2025, 3, 3)) -> NewPost:
    return NewPost(
        kind="drill",
        tenant_id=1,
        channel="general",
        question_id="q1",
        opens_at=NOW,
        closes_at=NOW + timedelta(hours=1),
        schedule_id=schedule_id,
        local_date=local_date,
    )


async def _learner(unit: FakeUnit, user_id: str, name: str) -> int:
    return (await unit.ensure_learner("console", user_id, name)).id


async def test_exception_in_unit_rolls_back_every_write() -> None:
    """A unit that raises leaves the store as it was, so ids are reused."""
    repo = FakeRepository()
    with pytest.raises(RuntimeError):
        async with repo.unit() as unit:
            await unit.ensure_learner("console", "ada", "Ada")
            raise RuntimeError("service failed")
    async with repo.unit() as unit:
        assert await unit.find_learner("console", "ada") is None
        assert (await unit.ensure_learner("console", "bob", "Bob")).id == 1


async def test_committed_unit_is_visible_to_the_next() -> None:
    """Leaving a unit normally keeps its writes; ensure_learner renames an existing learner."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        first = await unit.ensure_learner("console", "ada", "Ada")
    async with repo.unit() as unit:
        again = await unit.ensure_learner("console", "ada", "Ada L.")
        assert again.id == first.id
        assert again.display_name == "Ada L."


async def test_second_answer_to_a_post_raises_already_answered() -> None:
    """Only the first answer per (post, learner) is stored; post-less answers may repeat."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        await unit.add_answer(_answer(1, post_id=7))
        with pytest.raises(AlreadyAnswered):
            await unit.add_answer(_answer(1, post_id=7))
        await unit.add_answer(_answer(1, post_id=None))
        await unit.add_answer(_answer(1, post_id=None))
        assert len(await unit.answers_of(1)) == 3


async def test_duplicate_drill_post_for_a_day_returns_none() -> None:
    """A second drill post for the same schedule and local date is refused with None."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        first = await unit.create_post(_drill())
        assert first is not None
        assert await unit.create_post(_drill()) is None
        assert await unit.drill_post_for(1, date(2025, 3, 3)) == first
        assert await unit.create_post(_drill(schedule_id=None, local_date=None)) is not None
        assert await unit.create_post(_drill(schedule_id=None, local_date=None)) is not None


async def test_claim_reveal_succeeds_only_once() -> None:
    """The first claim flips revealed_at and wins; later claims lose and change nothing."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        post = await unit.create_post(_drill())
        assert post is not None
        assert await unit.claim_reveal(post.id, NOW) is True
        assert await unit.claim_reveal(post.id, NOW + timedelta(minutes=5)) is False
        revealed = await unit.get_post(post.id)
        assert revealed is not None and revealed.revealed_at == NOW
        assert await unit.latest_open_post(1, "general") is None


async def test_due_cards_skip_retired_questions_and_come_most_overdue_first() -> None:
    """due_cards orders by due, honours the limit and ignores inactive or future cards."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        await unit.sync_questions([QuestionRow(q, "rag", "h") for q in ("a", "b", "c", "d")])
        await unit.save_card(1, "a", new_card(NOW - timedelta(hours=1)))
        await unit.save_card(1, "b", new_card(NOW - timedelta(hours=3)))
        await unit.save_card(1, "c", new_card(NOW - timedelta(hours=2)))
        await unit.save_card(1, "d", new_card(NOW + timedelta(hours=1)))
        report = await unit.sync_questions([QuestionRow(q, "rag", "h") for q in ("a", "b", "d")])
        assert (report.added, report.updated, report.retired, report.active) == (0, 0, 1, 3)

        due = await unit.due_cards(1, NOW, limit=5)
        assert [c.question_id for c in due] == ["b", "a"]
        assert [c.question_id for c in await unit.due_cards(1, NOW, limit=1)] == ["b"]
        assert await unit.count_due(1, NOW + timedelta(hours=1)) == 3


async def test_leaderboard_counts_half_open_window_and_breaks_ties_by_name() -> None:
    """Answers at `until` are excluded; equal points and correct fall back to name order."""
    repo = FakeRepository()
    async with repo.unit() as unit:
        zed = await _learner(unit, "z", "Zed")
        amy = await _learner(unit, "a", "Amy")
        bo = await _learner(unit, "b", "Bo")
        until = NOW + timedelta(days=7)
        await unit.add_answer(_answer(zed, 1, points=10))
        await unit.add_answer(_answer(amy, 1, points=10))
        await unit.add_answer(_answer(bo, 1, points=5, correct=False))
        await unit.add_answer(_answer(bo, 2, points=50, at=until))
        await unit.add_answer(_answer(bo, 3, points=50, at=NOW - timedelta(seconds=1)))
        await unit.add_answer(_answer(bo, 4, points=50, tenant_id=2))

        board = await unit.leaderboard(1, NOW, until, limit=10)
        assert [(r.display_name, r.points, r.correct, r.answered) for r in board] == [
            ("Amy", 10, 1, 1),
            ("Zed", 10, 1, 1),
            ("Bo", 5, 0, 1),
        ]
        assert [r.display_name for r in await unit.leaderboard(1, None, None, limit=2)] == [
            "Bo",
            "Amy",
        ]


async def test_failed_outbox_post_raises_once_then_recovers() -> None:
    """fail_next makes exactly one post fail; ids keep counting only successful posts."""
    outbox = RecordingOutbox(fail_next=True)
    place = Place("console", "t1", "general")
    with pytest.raises(ConnectionError):
        await outbox.post(place, "hello")
    assert await outbox.post(place, "hello") == "m1"
    assert outbox.posts == [(place, "hello")]


async def test_a_read_only_unit_that_writes_fails_and_keeps_nothing() -> None:
    """Writing in a read-only unit is an error (as on SQL), so core tests catch it."""
    repo = FakeRepository()
    with pytest.raises(AssertionError, match="read-only"):
        async with repo.unit(readonly=True) as unit:
            await unit.ensure_learner("console", "ada", "Ada")
    async with repo.unit(readonly=True) as unit:
        assert await unit.find_learner("console", "ada") is None
