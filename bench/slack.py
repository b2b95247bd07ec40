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
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.harness.fake_slack import (
    FakeSlack,
    Message,
    block_actions,
    signature,
    slash_command,
)

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


def cpu_of(pid: int) -> tuple[float, float]:
    """Seconds a process has run on a CPU, and waited for one while runnable (schedstat)."""
    ran, waited, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    return int(ran) / 1e9, int(waited) / 1e9


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
    seen: list[str] = []
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


class Burst:
    """Signed requests written straight to sockets, timed from the write to the response.

    Slack's senders cost the app nothing; this generator shares the machine with the
    app, so it should cost as little as it can, and count only the app's time. Through
    aiohttp's client (Signed) a click cost this process about 0.15 ms plus its signing,
    the 10,000 clicks waited as 10,000 sleeping tasks, and the process also serves the
    fake Web API: under the burst its loop fell seconds behind, and the first clicks
    measured 4 s while the app sat idle. Here every request is encoded and signed before
    the clock starts (about 0.035 ms a request remains); each connection is kept alive
    and carries one request at a time; when every open one is busy a new one is opened,
    up to ``connections`` (as Signed keeps), and beyond that a request waits for one;
    the connecting and the waiting are counted. A response is timed in the protocol's
    ``data_received``, as soon as the loop reads it.
    """

    def __init__(self, url: str, secret: str, connections: int = 1000) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = (
            parts.hostname or "127.0.0.1",
            parts.port or 80,
            parts.path,
        )
        self.secret = secret
        self.limit = connections
        self.most = 0  # the most connections open at once
        self._idle: list[_Exchange] = []
        self._open: list[_Exchange] = []
        self._connecting = 0
        self._waiting: deque[asyncio.Future[_Exchange | None]] = deque()

    def encode(self, fields: dict[str, str]) -> bytes:
        """One HTTP/1.1 request for ``fields``, signed now (Slack allows five minutes)."""
        body = urllib.parse.urlencode(fields).encode()
        stamp = str(int(time.time()))
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Slack-Request-Timestamp: {stamp}\r\n"
            f"X-Slack-Signature: {signature(self.secret, stamp, body.decode())}\r\n\r\n"
        )
        return head.encode() + body

    async def send(self, request: bytes) -> tuple[int, float]:
        """Status and seconds from sending (connecting, if need be) to the whole response."""
        started = time.perf_counter()
        exchange = await self._acquire()
        try:
            status, done = await exchange.exchange(request)
        finally:
            self._release(exchange)
        return status, done - started

    async def _acquire(self) -> _Exchange:
        while True:
            while self._idle:
                exchange = self._idle.pop()
                if not exchange.closed:
                    return exchange
                self._open.remove(exchange)
            if len(self._open) + self._connecting < self.limit:
                self._connecting += 1
                try:
                    loop = asyncio.get_running_loop()
                    _, exchange = await loop.create_connection(_Exchange, self.host, self.port)
                finally:
                    self._connecting -= 1
                self._open.append(exchange)
                self.most = max(self.most, len(self._open))
                return exchange
            turn: asyncio.Future[_Exchange | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            handed = await turn
            if handed is not None:
                return handed

    def _release(self, exchange: _Exchange) -> None:
        if exchange.closed:
            self._open.remove(exchange)
            if self._waiting:
                self._waiting.popleft().set_result(None)  # it may open one in its place
        elif self._waiting:
            self._waiting.popleft().set_result(exchange)
        else:
            self._idle.append(exchange)

    async def close(self) -> None:
        for exchange in self._open:
            exchange.close()
        self._open.clear()
        self._idle.clear()


class _Exchange(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time (responses have a length)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, float]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def exchange(self, request: bytes) -> asyncio.Future[tuple[int, float]]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if "chunked" in headers.get("transfer-encoding", ""):
            raise NotImplementedError("a chunked response; the app's acks carry a length")
        length = int(headers.get("content-length", "0"))
        if len(self._buffer) < end + 4 + length:
            return
        done = time.perf_counter()
        del self._buffer[: end + 4 + length]
        if headers.get("connection", "").lower() == "close":
            self.close()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((int(head[0].split()[1]), done))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionResetError("the app closed the connection"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def command(text: str, channel: str, response_url: str, user: str = ADMIN) -> dict[str, str]:
    return slash_command(
        text, user_id=user, channel_id=channel, team_id=TEAM, response_url=response_url
    )


def click(message: Message, letter: str, user: str, response_url: str) -> dict[str, str]:
    button = answer_button(message, letter)
    payload = block_actions(
        action_id=button["action_id"],
        value=button["value"],
        user_id=user,
        team_id=TEAM,
        channel_id=message.channel,
        message_ts=message.ts,
        response_url=response_url,
    )
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
