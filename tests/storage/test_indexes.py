"""The hot queries are served by indexes, as the query planner reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from bot.core.ports import Repository, Unit
from bot.core.records import NewDelivery, NewPost, QuestionRow
from bot.core.srs import new_card

from .backends import Backend

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)


async def _plan_of(
    backend: Backend, repo: Repository, table: str, call: Callable[[Unit], Awaitable[Any]]
) -> str:
    """The query plan of the one statement on `table` that `call` runs."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if f"FROM {table}" in statement:
            captured.append((statement, parameters))

    sync_engine = backend.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with repo.unit(readonly=True) as u:
            await call(u)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = captured

    async with backend.engine.connect() as conn:
        if backend.engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return " ".join(str(r[-1]) for r in rows)
        # tiny tables make a sequential scan cheapest; forbid it to see the index is usable
        await conn.execute(text("SET enable_seqscan = off"))
        rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return " ".join(str(r[0]) for r in rows)


async def test_due_cards_query_uses_the_learner_due_index(
    backend: Backend, repo: Repository
) -> None:
    """The SQL behind due_cards is planned on ix_cards_learner_id_due, not a table scan."""
    async with repo.unit() as u:
        await u.sync_questions([QuestionRow(f"q-{i}", "c", "h") for i in range(40)])
        ana = await u.ensure_learner("test", "ana", "Ana")
        for i in range(40):
            await u.save_card(ana.id, f"q-{i}", new_card(NOW - timedelta(hours=i)))

    async def due(u: Unit) -> None:
        due = await u.due_cards(ana.id, NOW, limit=5)
        assert [c.question_id for c in due] == ["q-39", "q-38", "q-37", "q-36", "q-35"]

    plan = await _plan_of(backend, repo, "cards", due)
    assert "ix_cards_learner_id_due" in plan, plan


async def test_post_by_message_uses_the_message_index(backend: Backend, repo: Repository) -> None:
    """post_by_message is planned on ix_posts_tenant_id_channel_message_id."""
    async with repo.unit() as u:
        await u.sync_questions([QuestionRow("q", "c", "h")])
        tenant = await u.ensure_tenant("slack", "T1", "UTC")
        for i in range(30):
            new = NewPost("drill", tenant.id, f"C{i % 3}", "q", NOW, NOW + timedelta(hours=1))
            post = await u.create_post(new)
            assert post is not None
            await u.set_post_message(post.id, f"17000000.{i:06d}")

    async def lookup(u: Unit) -> None:
        found = await u.post_by_message(tenant.id, "C1", "17000000.000004")
        assert found is not None and found.channel == "C1"

    plan = await _plan_of(backend, repo, "posts", lookup)
    assert "ix_posts_tenant_id_channel_message_id" in plan, plan


async def test_due_deliveries_use_the_undelivered_index(backend: Backend, repo: Repository) -> None:
    """due_deliveries is planned on ix_deliveries_delivered_at_next_attempt_at."""
    async with repo.unit() as u:
        tenant = await u.ensure_tenant("slack", "T1", "UTC")
        for i in range(30):
            row = NewDelivery("weekly_board", tenant.id, "C", f"k{i}", NOW - timedelta(minutes=i))
            delivery_id = await u.add_delivery(row)
            assert delivery_id is not None
            if i % 2:
                await u.mark_delivered(delivery_id, "m", NOW)

    async def due(u: Unit) -> None:
        assert len(await u.due_deliveries(NOW, limit=100)) == 15

    plan = await _plan_of(backend, repo, "deliveries", due)
    assert "ix_deliveries_delivered_at_next_attempt_at" in plan, plan
