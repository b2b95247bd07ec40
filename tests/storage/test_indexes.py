"""The hot queries are served by indexes, as the query planner reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from bot.core.ports import Repository
from bot.core.records import QuestionRow
from bot.core.srs import new_card

from .backends import Backend

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)


async def test_due_cards_query_uses_the_learner_due_index(
    backend: Backend, repo: Repository
) -> None:
    """The SQL behind due_cards is planned on ix_cards_learner_id_due, not a table scan."""
    async with repo.unit() as u:
        await u.sync_questions([QuestionRow(f"q-{i}", "c", "h") for i in range(40)])
        ana = await u.ensure_learner("test", "ana", "Ana")
        for i in range(40):
            await u.save_card(ana.id, f"q-{i}", new_card(NOW - timedelta(hours=i)))

    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM cards" in statement and "ORDER BY" in statement:
            captured.append((statement, parameters))

    sync_engine = backend.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with repo.unit() as u:
            due = await u.due_cards(ana.id, NOW, limit=5)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    assert [c.question_id for c in due] == ["q-39", "q-38", "q-37", "q-36", "q-35"]
    [(statement, parameters)] = captured

    async with backend.engine.connect() as conn:
        if backend.engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = " ".join(str(r[-1]) for r in rows)
        else:
            # tiny tables make a sequential scan cheapest; forbid it to see the index is usable
            await conn.execute(text("SET enable_seqscan = off"))
            rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = " ".join(str(r[0]) for r in rows)
    assert "ix_cards_learner_id_due" in plan, plan
