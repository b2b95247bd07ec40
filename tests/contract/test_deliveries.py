"""The outbox table: queued once per key, handed out when due, marked, retried, dropped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.ports import Repository
from bot.core.records import Delivery

from .builders import T0, World, delivery, drill, make_post, schedule


async def test_add_delivery_queues_a_key_once(repo: Repository, world: World) -> None:
    """A second delivery with the same dedup key is refused with None, in or across units."""
    async with repo.unit() as unit:
        first = await unit.add_delivery(delivery(world, "question:1"))
        same_unit = await unit.add_delivery(delivery(world, "question:1", channel="random"))
        # The unit stays usable after the refused insert.
        other = await unit.add_delivery(delivery(world, "reveal:1", kind="reveal"))
    async with repo.unit() as unit:
        later = await unit.add_delivery(delivery(world, "question:1"))
        stored = await unit.delivery_for("question:1")
        by_id = await unit.get_delivery(first or 0)
        missing = await unit.delivery_for("nothing")
    assert first is not None and other is not None and first != other
    assert same_unit is None and later is None
    assert stored == by_id
    assert stored == Delivery(
        id=first,
        kind="question",
        tenant_id=world.tenant.id,
        channel="general",
        dedup_key="question:1",
        created_at=T0,
        next_attempt_at=T0,
        attempts=0,
    )
    assert missing is None


async def test_a_delivery_of_unknown_kind_is_refused_loudly(repo: Repository, world: World) -> None:
    """A kind outside DELIVERY_KINDS raises (it is never mistaken for a queued key)."""
    with pytest.raises((IntegrityError, ValueError)):
        async with repo.unit() as unit:
            await unit.add_delivery(delivery(world, "odd", kind="shout"))
    async with repo.unit() as unit:
        assert await unit.delivery_for("odd") is None


async def test_delivery_round_trips_its_references(repo: Repository, world: World) -> None:
    """post_id, round_id and week_start come back as stored."""
    post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        quiz = await unit.create_round(world.tenant.id, "general", world.bob.id, ["q1"], [], T0)
        reveal = await unit.add_delivery(delivery(world, "r", kind="reveal", post_id=post.id))
        board = await unit.add_delivery(delivery(world, "b", kind="round_board", round_id=quiz.id))
        weekly = await unit.add_delivery(
            delivery(world, "w", kind="weekly_board", week_start=date(2025, 3, 3))
        )
    async with repo.unit() as unit:
        stored = [await unit.get_delivery(i or 0) for i in (reveal, board, weekly)]
    assert [(d.kind, d.post_id, d.round_id, d.week_start) for d in stored if d] == [
        ("reveal", post.id, None, None),
        ("round_board", None, quiz.id, None),
        ("weekly_board", None, None, date(2025, 3, 3)),
    ]


async def test_due_deliveries_are_undelivered_due_rows_oldest_first(
    repo: Repository, world: World
) -> None:
    """due_deliveries skips delivered and not-yet-due rows, orders by id, honours limit."""
    async with repo.unit() as unit:
        ids = [
            await unit.add_delivery(delivery(world, f"k{i}", created_at=T0 + timedelta(minutes=i)))
            for i in range(5)
        ]
    assert None not in ids
    k0, k1, k2, k3, k4 = (i or 0 for i in ids)
    async with repo.unit() as unit:
        await unit.mark_delivered(k1, "m-1", T0 + timedelta(minutes=1))
        # k0 failed once and waits; k3 is not due yet at T0+3.
        await unit.retry_delivery_at(k0, 1, T0 + timedelta(minutes=10))
    async with repo.unit(readonly=True) as unit:
        due = await unit.due_deliveries(T0 + timedelta(minutes=3), limit=10)
        first = await unit.due_deliveries(T0 + timedelta(minutes=3), limit=1)
        later = await unit.due_deliveries(T0 + timedelta(minutes=10), limit=10)
    assert [d.id for d in due] == [k2, k3]
    assert [d.id for d in first] == [k2]
    assert [d.id for d in later] == [k0, k2, k3, k4]
    assert later[0].attempts == 1 and later[0].next_attempt_at == T0 + timedelta(minutes=10)


async def test_mark_delivered_keeps_a_stored_message_id(repo: Repository, world: World) -> None:
    """mark_delivered stores the message id; with None it keeps the one already stored."""
    async with repo.unit() as unit:
        posted = await unit.add_delivery(delivery(world, "question:1")) or 0
        edited = await unit.add_delivery(delivery(world, "close:1", kind="close")) or 0
        await unit.mark_delivered(posted, "msg-9", T0 + timedelta(seconds=1))
        await unit.mark_delivered(edited, None, T0 + timedelta(seconds=2))
    async with repo.unit() as unit:
        await unit.mark_delivered(posted, None, T0 + timedelta(seconds=5))
        first = await unit.get_delivery(posted)
        second = await unit.get_delivery(edited)
    assert first is not None and first.message_id == "msg-9"
    assert first.delivered_at == T0 + timedelta(seconds=5)
    assert second is not None and second.message_id is None
    assert second.delivered_at == T0 + timedelta(seconds=2)


async def test_drop_deliveries_forgets_only_the_posts_undelivered_rows(
    repo: Repository, world: World
) -> None:
    """drop_deliveries(post) deletes that post's undelivered rows; delivered ones stay."""
    post = await make_post(repo, drill(world))
    other = await make_post(repo, drill(world, question_id="q2"))
    async with repo.unit() as unit:
        shown = await unit.add_delivery(delivery(world, "q:1", post_id=post.id)) or 0
        reveal = await unit.add_delivery(delivery(world, "r:1", kind="reveal", post_id=post.id))
        theirs = await unit.add_delivery(delivery(world, "q:2", post_id=other.id))
        await unit.mark_delivered(shown, "m1", T0)
        await unit.drop_deliveries(post.id)
    async with repo.unit() as unit:
        kept = await unit.get_delivery(shown)
        dropped = await unit.get_delivery(reveal or 0)
        their_row = await unit.get_delivery(theirs or 0)
        # The key of a dropped row is free again.
        requeued = await unit.add_delivery(delivery(world, "r:1", kind="reveal", post_id=post.id))
    assert kept is not None and dropped is None and their_row is not None
    assert requeued is not None


async def test_next_delivery_at_is_the_earliest_undelivered(repo: Repository, world: World) -> None:
    """next_delivery_at is the soonest next attempt among undelivered rows, else None."""
    async with repo.unit() as unit:
        nothing = await unit.next_delivery_at()
        soon = await unit.add_delivery(delivery(world, "a", created_at=T0)) or 0
        await unit.add_delivery(delivery(world, "b", created_at=T0 + timedelta(minutes=5)))
        first = await unit.next_delivery_at()
        await unit.retry_delivery_at(soon, 1, T0 + timedelta(minutes=9))
        after_retry = await unit.next_delivery_at()
    async with repo.unit() as unit:
        for row in await unit.due_deliveries(T0 + timedelta(hours=1), limit=10):
            await unit.mark_delivered(row.id, None, T0 + timedelta(hours=1))
        empty = await unit.next_delivery_at()
    assert nothing is None
    assert first == T0
    assert after_retry == T0 + timedelta(minutes=5)
    assert empty is None


async def test_drill_channels_are_the_tenants_enabled_drills(
    repo: Repository, world: World
) -> None:
    """drill_channels lists channels of the tenant with an enabled schedule, in name order."""
    async with repo.unit() as unit:
        other = await unit.ensure_tenant("slack", "T2", "UTC")
        await unit.save_schedule(schedule(world, channel="zeta"))
        await unit.save_schedule(schedule(world, channel="Alpha"))
        off = await unit.save_schedule(schedule(world, channel="beta"))
        await unit.set_schedule_enabled(off.id, False, T0)
        await unit.save_schedule(schedule(world, channel="gamma", tenant_id=other.id))
    async with repo.unit(readonly=True) as unit:
        channels = await unit.drill_channels(world.tenant.id)
        theirs = await unit.drill_channels(other.id)
        none = await unit.drill_channels(other.id + world.tenant.id + 10)
    assert channels == ["Alpha", "zeta"]
    assert theirs == ["gamma"]
    assert none == []
