"""Fixtures: the fake Slack workspace and studybot started on it (HTTP mode unless told)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import SimulatedClock
from tests.adapters.slack.support import START, Studybot, build_fake
from tests.harness.fake_slack import FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(team_id="T0FAKE") as server:
        yield build_fake(server)


@pytest.fixture
def studybot(fake: FakeSlack, tmp_path: Path) -> Studybot:
    return Studybot(fake, tmp_path / "studybot.db", SimulatedClock(START))


@pytest.fixture
async def bot(studybot: Studybot) -> AsyncIterator[Studybot]:
    """studybot started in HTTP mode (signed requests to /slack/events)."""
    await studybot.start()
    yield studybot
    await studybot.stop()


@pytest.fixture(params=["http", "socket"])
async def either(studybot: Studybot, request: pytest.FixtureRequest) -> AsyncIterator[Studybot]:
    """studybot started in HTTP mode, then (a second run) in Socket Mode."""
    studybot.mode = request.param
    await studybot.start()
    yield studybot
    await studybot.stop()
