"""A database that cannot write right now gives one specific error, and loses nothing confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import StorageBusy
from bot.core.records import QuestionRow
from bot.storage.repository import SqlRepository
from tests.storage.backends import cap_sqlite_size, open_backend


async def test_a_full_disk_is_a_clear_error_and_keeps_what_was_committed(tmp_path: Path) -> None:
    """SQLite at its size limit (a full disk) raises StorageBusy naming it; earlier rows stay."""
    backend = await open_backend("sqlite", tmp_path)
    try:
        repo = SqlRepository(backend.engine)
        async with repo.unit() as u:
            await u.ensure_learner("test", "u-ana", "Ana")

        await cap_sqlite_size(backend, tmp_path / "studybot.db", spare_pages=2)
        rows = [QuestionRow(f"q-{n}-" + "x" * 200, "alpha", "h" * 64) for n in range(2000)]
        with pytest.raises(StorageBusy, match="the disk is full"):
            async with repo.unit() as u:
                await u.sync_questions(rows)
        async with repo.unit(readonly=True) as u:
            assert await u.find_learner("test", "u-ana") is not None
            assert await u.active_question_ids() == set()
    finally:
        await backend.cleanup()
