"""The Repository port over SQLAlchemy Core. All of studybot's SQL lives in bot/storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.ports import Unit
from bot.storage.channels import ChannelStore
from bot.storage.engine import open_connection
from bot.storage.learning import LearningStore


class SqlRepository:
    """Opens units of work on an engine; the engine's owner disposes of it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """One connection and transaction: commit on normal exit, roll back on error."""
        async with open_connection(self._engine) as connection, connection.begin():
            yield SqlUnit(connection)


class SqlUnit(LearningStore, ChannelStore):
    """The Unit port on one open transaction: learner data and channel activity."""
