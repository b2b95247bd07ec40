"""A database that cannot write right now gives one specific error, and loses nothing confirmed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.errors import StorageBusy
from bot.core.records import QuestionRow
from bot.storage.repository import SqlRepository
from tests.storage.backends import open_backend


async def test_a_full_disk_is_a_clear_error_and_keeps_what_was_committed(tmp_path: Path) -> None:
    """SQLite at its size limit (a full disk) raises StorageBusy naming it; earlier rows stay."""
    backend = await open_backend("sqlite", tmp_path)
    try:
        repo = SqlRepository(backend.engine)
        async with repo.unit() as u:
            await u.ensure_learner("test", "u-ana", "Ana")

        with sqlite3.connect(tmp_path / "studybot.db") as raw:
            pages = raw.execute("PRAGMA page_count").fetchone()[0]

        @event.listens_for(backend.engine.sync_engine, "connect")
        def _tiny(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
            cursor.close()

        await backend.engine.dispose()  # new connections get the limit
        rows = [QuestionRow(f"q-{n}-" + "x" * 200, "alpha", "h" * 64) for n in range(2000)]
        with pytest.raises(StorageBusy, match="the disk is full"):
            async with repo.unit() as u:
                await u.sync_questions(rows)
        async with repo.unit(readonly=True) as u:
            assert await u.find_learner("test", "u-ana") is not None
            assert await u.active_question_ids() == set()
    finally:
        await backend.cleanup()
