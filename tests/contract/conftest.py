"""The repository contract: every test runs on the in-memory fake, SQLite and Postgres.

The fake the core tests use must behave as the SQL repository does; a test here
that passes on one and fails on another is a drift to fix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Repository
from bot.storage import SqlRepository

from ..core.fakes import FakeRepository
from ..storage.backends import BACKENDS, open_backend
from .builders import World, make_world

REPOSITORIES = [pytest.param("fake", id="fake"), *BACKENDS]


@pytest.fixture(params=REPOSITORIES)
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    if request.param == "fake":
        yield FakeRepository()
        return
    backend = await open_backend(request.param, tmp_path)
    try:
        yield SqlRepository(backend.engine)
    finally:
        await backend.cleanup()


@pytest.fixture
async def world(repo: Repository) -> World:
    return await make_world(repo)
