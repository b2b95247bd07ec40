"""Personal review sessions: stored whole, so a restart continues them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.core.ports import Repository
from bot.core.records import NewReview, ReviewItem, ReviewSession

from .builders import T0, World


async def test_review_session_round_trip(repo: Repository, world: World) -> None:
    """A created session reads back equal: items in order, instants aware, activity = start."""
    items = (ReviewItem("q2", T0), ReviewItem("q1", T0 + timedelta(seconds=3, microseconds=7)))
    async with repo.unit() as unit:
        created = await unit.create_review(NewReview(world.alice.id, world.tenant.id, 5, items, T0))
    async with repo.unit(readonly=True) as unit:
        stored = await unit.get_review(created.id)
        missing = await unit.get_review(created.id + 1000)
    assert created == ReviewSession(
        id=created.id,
        learner_id=world.alice.id,
        tenant_id=world.tenant.id,
        size=5,
        items=items,
        started_at=T0,
        last_activity_at=T0,
    )
    assert stored == created
    assert stored is not None and all(item.shown_at.utcoffset() == timedelta(0) for item in items)
    assert missing is None


async def test_save_review_items_replaces_items_and_touches_activity(
    repo: Repository, world: World
) -> None:
    """Saved items (with answers) replace the old list; last_activity_at becomes `now`."""
    first = ReviewItem("q1", T0)
    async with repo.unit() as unit:
        mine = await unit.create_review(NewReview(world.alice.id, world.tenant.id, 3, (first,), T0))
        other = await unit.create_review(NewReview(world.bob.id, world.tenant.id, 3, (first,), T0))
    # An answer instant given in another zone is the same instant when read back.
    berlin = timezone(timedelta(hours=1))
    answered = ReviewItem(
        "q1", T0, choice=2, answered_at=datetime(2025, 3, 10, 13, 0, 4, tzinfo=berlin)
    )
    shown = ReviewItem("q3", T0 + timedelta(seconds=5))
    now = T0 + timedelta(seconds=5)
    async with repo.unit() as unit:
        await unit.save_review_items(mine.id, [answered, shown], now)
    async with repo.unit() as unit:
        stored = await unit.get_review(mine.id)
        untouched = await unit.get_review(other.id)
    assert stored is not None
    assert stored.items == (answered, shown)
    assert stored.items[0].answered_at == datetime(2025, 3, 10, 12, 0, 4, tzinfo=UTC)
    assert (stored.items[0].choice, stored.items[1].choice) == (2, None)
    assert stored.last_activity_at == now and stored.started_at == T0
    assert untouched == other
