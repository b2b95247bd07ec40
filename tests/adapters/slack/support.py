"""The world of the Slack end-to-end tests: one workspace, a few people, studybot's start-up.

studybot starts through ``bot.app.start`` (the path ``studybot run`` takes) with
SLACK_BOT_TOKEN set and SLACK_API_URL at the local fake Slack, a real SQLite file and
a simulated clock the tests move by hand. The same test can talk to it in HTTP mode
(signed requests to /slack/events) or in Socket Mode (envelopes over the fake's
websocket): ``Transport`` hides which.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.adapters.slack.adapter import SlackAdapter
from bot.app import App, start
from bot.config import Settings
from bot.core.clock import SimulatedClock
from bot.core.questions import LETTERS, Question
from tests.harness.fake_slack import (
    FakeSlack,
    Message,
    SignedSender,
    block_actions,
    event_callback,
    slash_command,
    user_message,
)

TEAM = "T0FAKE"
OTHER_TEAM = "T0OTHER"
STUDY = "C0STUDY"
LOUNGE = "C0LOUNGE"
ANA = "U0ANA"
BOB = "U0BOB"
BOSS = "U0BOSS"  # a workspace admin
START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # a Thursday


def build_fake(fake: FakeSlack) -> FakeSlack:
    fake.add_user(ANA, "ana")
    fake.add_user(BOB, "bob")
    fake.add_user(BOSS, "boss", is_admin=True)
    return fake


@dataclass
class Reply:
    """How studybot answered a request: HTTP status (200 for a Socket Mode ack), its body."""

    ok: bool
    status: int
    body: Any
    elapsed: float

    @property
    def text(self) -> str:
        return json.dumps(self.body) if self.body is not None else ""


class Transport(Protocol):
    async def command(self, fields: dict[str, str], **options: Any) -> Reply: ...
    async def interaction(self, payload: dict[str, Any], **options: Any) -> Reply: ...
    async def event(
        self, envelope: dict[str, Any], retry_num: int | None = None, **options: Any
    ) -> Reply: ...


class HttpTransport:
    """Signed requests to the bolt app's /slack/events, as Slack sends them in HTTP mode."""

    def __init__(self, url: str, secret: str) -> None:
        self.sender = SignedSender(url, secret)

    async def command(self, fields: dict[str, str], **options: Any) -> Reply:
        return _reply(await self.sender.command(fields, **options))

    async def interaction(self, payload: dict[str, Any], **options: Any) -> Reply:
        return _reply(await self.sender.interaction(payload, **options))

    async def event(
        self, envelope: dict[str, Any], retry_num: int | None = None, **options: Any
    ) -> Reply:
        return _reply(await self.sender.event(envelope, retry_num=retry_num, **options))


def _reply(delivery: Any) -> Reply:
    body = None
    if delivery.body:
        try:
            body = json.loads(delivery.body)
        except ValueError:
            body = delivery.body
    return Reply(delivery.status == 200, delivery.status, body, delivery.elapsed)


class SocketTransport:
    """Envelopes over the fake's Socket Mode websocket; a reply is the app's ack."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake

    async def _send(self, kind: str, payload: dict[str, Any], **options: Any) -> Reply:
        started = time.monotonic()
        envelope_id = await self.fake.send_envelope(kind, payload, **options)
        ack = await self.fake.wait_ack(envelope_id)
        return Reply(True, 200, ack.payload, ack.at - started)

    async def command(self, fields: dict[str, str], **options: Any) -> Reply:
        return await self._send("slash_commands", dict(fields))

    async def interaction(self, payload: dict[str, Any], **options: Any) -> Reply:
        return await self._send("interactive", payload)

    async def event(
        self, envelope: dict[str, Any], retry_num: int | None = None, **options: Any
    ) -> Reply:
        retry = {} if retry_num is None else {"retry_attempt": retry_num, "retry_reason": "timeout"}
        return await self._send("events_api", envelope, **retry)


@dataclass
class Studybot:
    """studybot on the fake Slack; one process at a time on one database file."""

    fake: FakeSlack
    database: Path
    clock: SimulatedClock
    mode: str = "http"  # or "socket"
    admin_users: str = ""
    bot_token: str | None = None  # another token than the fake expects
    app: App | None = None
    transport: Transport | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "SLACK_BOT_TOKEN": self.bot_token or self.fake.bot_token,
            "SLACK_API_URL": self.fake.base_url,
            "SLACK_ADMIN_USERS": self.admin_users,
            "_env_file": None,
        }
        if self.mode == "socket":
            values["SLACK_APP_TOKEN"] = self.fake.app_token
        else:
            values["SLACK_SIGNING_SECRET"] = self.fake.signing_secret
            values["SLACK_HTTP_PORT"] = 0
            values["SLACK_HTTP_HOST"] = "127.0.0.1"
        return Settings(**values)

    async def start(self) -> App:
        self.app = await start(self.settings(), clock=self.clock)
        if self.mode == "socket":
            await self.fake.wait_socket_connected()
            self.transport = SocketTransport(self.fake)
        else:
            url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
            self.transport = HttpTransport(url, self.fake.signing_secret)
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None

    @property
    def running(self) -> App:
        assert self.app is not None, "start() studybot first"
        return self.app

    @property
    def adapter(self) -> SlackAdapter:
        (adapter,) = [a for a in self.running.adapters if isinstance(a, SlackAdapter)]
        return adapter

    @property
    def wire(self) -> Transport:
        assert self.transport is not None
        return self.transport

    # ------------------------------------------------------------- requests

    def command_fields(
        self, text: str, user: str, channel: str = STUDY, team: str = TEAM
    ) -> dict[str, str]:
        return slash_command(
            text,
            user_id=user,
            channel_id=channel,
            team_id=team,
            response_url=self.fake.response_url(),
        )

    async def command(
        self, text: str, user: str, channel: str = STUDY, **options: Any
    ) -> tuple[Reply, str]:
        """Send ``/study text``; the reply and the command's response_url."""
        fields = self.command_fields(text, user, channel)
        return await self.wire.command(fields, **options), fields["response_url"]

    async def responses(self, response_url: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait for ``count`` posts to a response_url; return them."""

        def enough() -> list[dict[str, Any]] | None:
            found = self.fake.responses_to(response_url)
            return found if len(found) >= count else None

        result: list[dict[str, Any]] = await self.fake.wait_for(enough, what="respond()")
        return result

    async def click(
        self,
        message: Message,
        letter: str,
        user: str,
        team: str = TEAM,
        value: str | None = None,
        ephemeral_container: bool = False,
    ) -> tuple[Reply, str]:
        """Click the button of ``letter`` on ``message`` (or send a forged ``value``)."""
        button = button_for(message.blocks, letter)
        response_url = self.fake.response_url()
        payload = block_actions(
            action_id=button["action_id"],
            value=button["value"] if value is None else value,
            user_id=user,
            team_id=team,
            channel_id=message.channel,
            message_ts=message.ts,
            response_url=response_url,
            container_ephemeral=ephemeral_container,
        )
        return await self.wire.interaction(payload), response_url

    async def click_blocks(
        self, blocks: list[dict[str, Any]], action_prefix: str, user: str, channel: str = STUDY
    ) -> tuple[Reply, str]:
        """Click a button of an ephemeral message (known only by its blocks)."""
        button = next(
            e
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith(action_prefix)
        )
        response_url = self.fake.response_url()
        payload = block_actions(
            action_id=button["action_id"],
            value=button["value"],
            user_id=user,
            team_id=TEAM,
            channel_id=channel,
            message_ts="1700000000.999999",
            response_url=response_url,
            container_ephemeral=True,
        )
        return await self.wire.interaction(payload), response_url

    async def thread_reply(
        self,
        message: Message,
        text: str,
        user: str,
        event_id: str,
        retry_num: int | None = None,
    ) -> Reply:
        ts = f"{time.time():.6f}"
        event = user_message(text, user=user, channel=message.channel, ts=ts, thread_ts=message.ts)
        envelope = event_callback(event, team_id=TEAM, event_id=event_id)
        return await self.wire.event(envelope, retry_num=retry_num)

    # ------------------------------------------------------------ what happened

    def post_id(self, message: Message) -> int:
        """The post a question message shows, from its first button's value."""
        return int(button_for(message.blocks, "a")["value"].split(":")[0])

    def question_of(self, message: Message) -> Question:
        with sqlite3.connect(self.database) as db:
            row = db.execute(
                "SELECT question_id FROM posts WHERE id = ?", (self.post_id(message),)
            ).fetchone()
        assert row is not None, f"no post for message {message.ts}"
        question = self.running.bank.get(row[0])
        assert question is not None
        return question

    def count(self, table: str) -> int:
        with sqlite3.connect(self.database) as db:
            (n,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(n)

    def answers_on(self, post_id: int) -> int:
        with sqlite3.connect(self.database) as db:
            (n,) = db.execute(
                "SELECT count(*) FROM answers WHERE post_id = ?", (post_id,)
            ).fetchone()
        return int(n)

    def closes_at(self, message: Message) -> datetime:
        with sqlite3.connect(self.database) as db:
            (closes,) = db.execute(
                "SELECT closes_at FROM posts WHERE id = ?", (self.post_id(message),)
            ).fetchone()
        instant = datetime.fromisoformat(str(closes))
        return instant if instant.tzinfo else instant.replace(tzinfo=UTC)

    async def quiet(self) -> None:
        """Wait until every listener started so far has finished its work."""
        listeners = self.adapter.listeners
        assert listeners is not None
        await asyncio.wait_for(listeners.wait_idle(), 5)
        await self.running.timer.settle()

    async def advance(self, delta: timedelta) -> None:
        await self.running.timer.advance_to(self.clock.now() + delta)
        await self.running.timer.settle()

    async def questions(self, count: int = 1, channel: str = STUDY) -> list[Message]:
        """Wait until ``count`` question messages (with answer buttons) are in ``channel``."""

        def enough() -> list[Message] | None:
            found = [m for m in self.fake.posted(channel, top_level=True) if is_question(m)]
            return found if len(found) >= count else None

        found: list[Message] = await self.fake.wait_for(enough, what=f"{count} question(s)")
        await self.running.timer.settle()  # the post's message id is stored after the post
        return found

    async def ephemerals(self, user: str, count: int = 1) -> list[str]:
        def enough() -> list[str] | None:
            found = [e.text for e in self.fake.ephemerals_for(user)]
            return found if len(found) >= count else None

        found: list[str] = await self.fake.wait_for(enough, what=f"{count} ephemeral(s)")
        return found


def is_question(message: Message) -> bool:
    return any(
        e.get("action_id", "").startswith("sb-answer-")
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ) or any(
        b["type"] == "context" and "Closed" in b["elements"][0]["text"] for b in message.blocks
    )


def button_for(blocks: list[dict[str, Any]], letter: str) -> dict[str, Any]:
    for block in blocks:
        if block["type"] != "actions":
            continue
        for element in block["elements"]:
            if element["action_id"].endswith(f"-{letter}"):
                return dict(element)
    raise AssertionError(f"no button {letter!r} in {json.dumps(blocks)[:300]}")


def wrong_letter(question: Question) -> str:
    return LETTERS[(question.answer + 1) % len(question.choices)]


def has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(b["type"] == "actions" for b in blocks)


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)
