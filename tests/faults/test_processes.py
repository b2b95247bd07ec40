"""Several `studybot run` processes on one Postgres database: one scheduler leader, a
takeover when it dies, simultaneous starts, and connections dropped by the server.

Each process is a console on a simulated clock, driven line by line over a pipe;
the tests wait for what a process prints (with a timeout), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.test_console import PACKS
from tests.storage.backends import POSTGRES_URL, open_backend, terminate_backends

pytestmark = pytest.mark.postgres

START = "2026-01-15T07:00:00Z"
WAIT = 60.0


class Bot:
    """One `studybot run` console process on a pipe."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.out: list[str] = []
        self.err: list[str] = []

    @classmethod
    async def start(cls, url: str, *args: str, **env: str) -> Bot:
        environment = {
            k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN")
        }
        environment.update(
            DATABASE_URL=url,
            QUESTIONS_PATH=str(PACKS),
            LOG_LEVEL="INFO",
            LEADER_POLL_SECONDS="0.5",
            **env,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
        )  # fmt: skip
        return cls(process)

    async def say(self, line: str, expect: str) -> str:
        """Type a line and wait for output matching `expect` (a regex); returns that line."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.expect(expect)

    async def expect(self, pattern: str, stream: str = "out") -> str:
        reader = self.process.stdout if stream == "out" else self.process.stderr
        seen = self.out if stream == "out" else self.err
        assert reader is not None
        while True:
            raw = await asyncio.wait_for(reader.readline(), WAIT)
            if not raw:
                raise AssertionError(f"process ended before {pattern!r}; saw {seen[-5:]}")
            line = raw.decode(errors="replace").rstrip("\n")
            seen.append(line)
            if re.search(pattern, line):
                return line

    async def quit(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        rest, errors = await asyncio.wait_for(self.process.communicate(), WAIT)
        self.out += rest.decode().splitlines()
        self.err += errors.decode().splitlines()
        return self.process.returncode or 0

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    def printed(self, piece: str) -> int:
        return sum(piece in line for line in self.out)


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    backend = await open_backend("postgres", tmp_path)
    try:
        yield backend.url
    finally:
        await backend.cleanup()


async def test_a_drill_moved_by_a_follower_fires_at_the_new_time_only(database_url: str) -> None:
    """A leads; B moves the channel's drill from 09:00 to 10:00; A fires it at 10:00, once."""
    a = await Bot.start(database_url, "--simulated-clock", START)
    b = None
    try:
        await a.say("/as ana", "You are now ana")
        await a.expect("scheduler leader", stream="err")
        b = await Bot.start(database_url, "--simulated-clock", START)
        await b.say("/as bob", "You are now bob")
        await a.say("/drill set 09:00 UTC window=30m concept=e2e.demo", "Daily drill at 09:00")
        await b.say("/drill set 10:00 UTC window=30m concept=e2e.demo", "Daily drill at 10:00")
        await a.say("/advance 150m", r"Clock: 2026-01-15 09:30")
        assert a.printed("[Daily drill]") == 0 and b.printed("[Daily drill]") == 0
        await a.say("/advance 1h", r"Clock: 2026-01-15 10:30")
        await b.say("/advance 4h", r"Clock: 2026-01-15 11:00")  # a follower's clock fires nothing
        assert a.printed("[Daily drill]") == 1 and b.printed("[Daily drill]") == 0
        assert any("closes 2026-01-15 10:30 UTC" in line for line in a.out)
    finally:
        for bot in (a, b):
            if bot is not None:
                await bot.kill()


async def test_when_the_leader_dies_the_other_process_reveals_once(database_url: str) -> None:
    """A posts a drill and is killed mid-window; B takes the lead and reveals it at the close."""
    a = await Bot.start(database_url, "--simulated-clock", START)
    b = None
    try:
        await a.say("/as ana", "You are now ana")
        await a.expect("scheduler leader", stream="err")
        b = await Bot.start(database_url, "--simulated-clock", START)
        await b.say("/as bob", "You are now bob")
        await a.say("/drill now", r"\[Daily drill\]")
        await b.say("b", "Locked in: b")
        await a.kill()
        await b.expect("scheduler leader", stream="err")  # took over within the poll
        await b.say("/advance 9h", r"got it right")
        assert b.printed("[Daily drill reveal]") == 1 and b.printed(" of 1 got it right") == 1
        await b.say("/advance 1h", r"Clock: ")
        assert b.printed("[Daily drill reveal]") == 1
    finally:
        for bot in (a, b):
            if bot is not None:
                await bot.kill()


async def test_ten_processes_starting_together_all_start() -> None:
    """Ten processes on one new, unmigrated schema: one migrates, all sync and serve."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?search_path={schema}"
    try:
        bots = await asyncio.gather(*(Bot.start(url) for _ in range(10)))
        for bot in bots:
            assert bot.process.stdin is not None
            bot.process.stdin.write(b"/topics\n")
        codes = await asyncio.gather(*(bot.quit() for bot in bots))
        assert codes == [0] * 10, [bot.err[-3:] for bot in bots]
        assert all(bot.printed("e2e.demo") == 1 for bot in bots)
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_dropped_connections_do_not_break_the_next_command(database_url: str) -> None:
    """Postgres terminates every connection of the bot; the next commands just work."""
    bot = await Bot.start(database_url, "--simulated-clock", START)
    admin = create_async_engine(POSTGRES_URL)
    try:
        await bot.say("/as ana", "You are now ana")
        await bot.say("/leaderboard all", "Leaderboard: all time")
        schema = database_url.rsplit("search_path=", 1)[1]
        ended = await terminate_backends(
            admin, "application_name = :name", name=f"studybot:{schema}"
        )
        assert len(ended) >= 1
        await bot.say("/leaderboard all", "Leaderboard: all time")
        await bot.say("/drill now", r"\[Daily drill\]")
        await bot.say("b", "Locked in: b")
        assert not any(line.startswith("! ") for line in bot.out)
        assert not any("Traceback" in line for line in bot.err)
    finally:
        await admin.dispose()
        await bot.kill()
