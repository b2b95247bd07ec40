"""Every storage test runs once per backend: a SQLite file and a Postgres schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Repository
from bot.storage import SqlRepository

from .backends import BACKENDS, Backend, open_backend


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    opened = await open_backend(request.param, tmp_path)
    try:
        yield opened
    finally:
        await opened.cleanup()


@pytest.fixture
def repo(backend: Backend) -> Repository:
    return SqlRepository(backend.engine)
