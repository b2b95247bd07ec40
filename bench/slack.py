"""What parts 3 and 6 share: studybot run as its own process against the local fake Slack.

The bot is the real `studybot run` in HTTP mode (a process of its own, so its
acknowledgements, its memory and its CPU are its own), with its Web API pointed
at tests/harness/fake_slack.py served from the benchmark process on loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.harness.fake_slack import FakeSlack, Message, signature

TEAM = "T0FAKE"
ADMIN = "U0BOSS"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    url: str  # its /slack/events

    async def stop(self) -> tuple[int, float]:
        """SIGTERM, as an operator stops it; exit status and its peak RSS (MB) until then."""
        peak = peak_rss_of(self.process.pid)
        self.process.terminate()
        return await self.process.wait(), peak


def peak_rss_of(pid: int) -> float:
    """A live process's peak resident set size so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def start_bot(fake: FakeSlack, database: Path) -> Bot:
    port = free_port()
    env = dict(os.environ)
    for name in ("DISCORD_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.base_url,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    studybot = str(Path(sys.executable).with_name("studybot"))
    process = await asyncio.create_subprocess_exec(
        studybot,
        "run",
        env=env,
        cwd=database.parent,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = []
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=60)
        if not line:
            raise RuntimeError("studybot ended before it was ready: " + "".join(seen)[-500:])
        seen.append(line.decode(errors="replace"))
        if "serving" in seen[-1]:
            break
    # keep reading its stderr (warnings) so it never blocks on a full pipe
    asyncio.get_running_loop().create_task(_drain(process.stderr))
    return Bot(process, f"http://127.0.0.1:{port}/slack/events")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


class Signed:
    """Slack-signed requests over one connection pool (as Slack's own senders keep)."""

    def __init__(self, url: str, secret: str, connections: int = 1000) -> None:
        self.url = url
        self.secret = secret
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def post(self, fields: dict[str, str]) -> tuple[int, float]:
        """Status and seconds until the response (the acknowledgement)."""
        body = urllib.parse.urlencode(fields)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(self.secret, stamp, body),
        }
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as reply:
            await reply.read()
            return reply.status, time.perf_counter() - started

    async def close(self) -> None:
        await self.session.close()


def command(text: str, channel: str, response_url: str, user: str = ADMIN) -> dict[str, str]:
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user,
        "user_name": user.lower(),
        "command": "/study",
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": response_url,
        "trigger_id": "trigger-1",
    }


def click(message: Message, letter: str, user: str, response_url: str) -> dict[str, str]:
    button = answer_button(message, letter)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0FAKE",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": False,
        },
        "trigger_id": "trigger-2",
        "channel": {"id": message.channel, "name": message.channel.lower()},
        "message": {"type": "message", "ts": message.ts, "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "choices",
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return {"payload": json.dumps(payload)}


def answer_button(message: Message, letter: str) -> dict[str, Any]:
    for block in message.blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == f"sb-answer-{letter}":
                return dict(element)
    raise LookupError(f"no button {letter} on message {message.ts}")


def letters(message: Message) -> list[str]:
    return [
        element["action_id"].rsplit("-", 1)[1]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith("sb-answer-")
    ]


def questions(fake: FakeSlack) -> list[Message]:
    return [m for m in fake.posted(top_level=True) if letters(m)]


async def post_drills(fake: FakeSlack, sender: Signed, channels: list[str]) -> list[Message]:
    """`/study drill now` in every channel, a few at a time; the question messages."""
    limit = asyncio.Semaphore(20)

    async def one(channel: str) -> None:
        async with limit:
            status, _ = await sender.post(command("drill now", channel, fake.response_url()))
            assert status == 200, status

    await asyncio.gather(*(one(c) for c in channels))
    deadline = time.monotonic() + 120
    while len(questions(fake)) < len(channels):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(questions(fake))} of {len(channels)} drills posted")
        await asyncio.sleep(0.2)
    return questions(fake)
