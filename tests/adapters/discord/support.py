"""The world of the Discord end-to-end tests: two guilds, a few members, studybot's start-up.

studybot starts through ``bot.app.start`` (the path ``studybot run`` takes) with
DISCORD_TOKEN set and the two Discord endpoints pointing at the local fake, a real
SQLite file and a simulated clock the tests move by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App, start
from bot.config import Settings
from bot.core.clock import SimulatedClock
from bot.core.ports import Who
from bot.core.questions import Question
from bot.core.timeline import ManualTimer
from tests.harness.discord_payloads import EPHEMERAL, JSON, iter_buttons
from tests.harness.fake_discord import FakeDiscord

GUILD = 1_000_000_001
OTHER_GUILD = 2_000_000_002
STUDY = 1_100_000_001
LOUNGE = 1_100_000_002
ANNEX = 1_100_000_003
FOREIGN = 2_200_000_001
ANA = 5_000_000_001
BOB = 5_000_000_002
CAROL = 5_000_000_003  # has Manage Server where a test says manage=True
START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # a Thursday


def build_fake(fake: FakeDiscord) -> FakeDiscord:
    fake.add_guild(GUILD, "Study group", [STUDY, LOUNGE, ANNEX])
    fake.add_guild(OTHER_GUILD, "Other group", [FOREIGN])
    for user_id, name in ((ANA, "ana"), (BOB, "bob"), (CAROL, "carol")):
        fake.user(user_id, name)
    return fake


@dataclass
class Studybot:
    """One studybot process at a time on one database; restart() is a fresh process."""

    fake: FakeDiscord
    database: Path
    clock: SimulatedClock
    guild_id: int | None = None
    token: str | None = None
    app: App | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "DISCORD_TOKEN": self.token or self.fake.token,
            "DISCORD_API_BASE": self.fake.api_base,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
            "_env_file": None,
        }
        if self.guild_id is not None:
            values["DISCORD_GUILD_ID"] = self.guild_id
        return Settings(**values)

    async def start(self) -> App:
        self.app = await start(self.settings(), clock=self.clock)
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()

    @property
    def running(self) -> App:
        assert self.app is not None, "studybot is not running"
        return self.app

    async def advance_to(self, instant: datetime) -> None:
        timer = self.running.timer
        assert isinstance(timer, ManualTimer), "tests run studybot on a simulated clock"
        await timer.advance_to(instant)
        await timer.settle()

    async def answers_of(self, user_id: int) -> list[JSON]:
        export = await self.running.service.export_learner(Who("discord", str(user_id), ""))
        answers: list[JSON] = export.data["answers"]
        return answers

    def question_of(self, message: JSON) -> Question:
        """The bank question a posted question message shows (found by its prompt)."""
        description = message["embeds"][0]["description"]
        found = [q for q in self.running.bank.questions if description.startswith(q.prompt)]
        assert len(found) == 1, f"no single bank question for {description[:60]!r}"
        return found[0]

    def right_and_wrong(self, message: JSON) -> tuple[str, str]:
        """custom_ids of the right option's button and of one wrong option's button."""
        answer = self.question_of(message).answer
        ids = [b["custom_id"] for b in iter_buttons(message)]
        return ids[answer], ids[(answer + 1) % len(ids)]


def title(message: JSON) -> str:
    embeds = message.get("embeds") or []
    return str(embeds[0].get("title", "")) if embeds else ""


def field(message: JSON, name: str) -> str:
    for item in message["embeds"][0].get("fields", []):
        if item["name"] == name:
            return str(item["value"])
    raise AssertionError(f"no field {name!r} in {title(message)!r}")


def closes_at(message: JSON) -> datetime:
    """The closing time the question shows as a Discord timestamp (whole seconds)."""
    match = re.search(r"<t:(\d+):t>", field(message, "Closes"))
    assert match, "the question shows no closing time"
    return datetime.fromtimestamp(int(match.group(1)) + 1, UTC)


def is_ephemeral(message: JSON) -> bool:
    return bool(int(message.get("flags") or 0) & EPHEMERAL)


def questions_in(fake: FakeDiscord, channel: int, kind: str) -> list[JSON]:
    """Question messages of a kind ("Daily drill", "Quiz") in a channel, oldest first."""
    return [
        m
        for m in fake.channel_messages(channel)
        if title(m).startswith(kind) and iter_buttons(m) and "message_reference" not in m
    ]


def replies_to(fake: FakeDiscord, message: JSON) -> list[JSON]:
    return [
        m
        for m in fake.channel_messages()
        if (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]


def posts_to(fake: FakeDiscord, channel: int, kind: str) -> list[int]:
    """HTTP statuses of every attempt to post a question of a kind to a channel."""
    return [
        r.status
        for r in fake.requests_matching("POST", rf"/channels/{channel}/messages")
        if (r.body or {}).get("embeds")
        and str(r.body["embeds"][0].get("title", "")).startswith(kind)
    ]
