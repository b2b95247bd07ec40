"""Fixtures: the fake Discord (checked for late first responses) and a studybot on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest

from bot.core.clock import SimulatedClock
from tests.adapters.discord.support import START, Studybot, build_fake
from tests.harness.fake_discord import FakeDiscord


@pytest.fixture(autouse=True)
def discord_endpoints() -> Iterator[None]:
    """The adapter sets discord.py's endpoints (class attributes); put them back after."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield build_fake(server)
        late = [
            (i.type, i.payload["data"].get("name"), i.ack_delay) for i in server.slow_interactions()
        ]
        assert late == [], "interactions without a first response within 3 s"
        callbacks = [r.path for r in server.requests if r.path.endswith("/callback")]
        assert len(callbacks) == len(set(callbacks)), "an interaction was answered twice"


@pytest.fixture
def studybot(fake: FakeDiscord, tmp_path: Path) -> Studybot:
    return Studybot(fake, tmp_path / "studybot.db", SimulatedClock(START))


@pytest.fixture
async def bot(studybot: Studybot) -> AsyncIterator[Studybot]:
    """studybot started with commands synced globally."""
    await studybot.start()
    yield studybot
    await studybot.stop()
