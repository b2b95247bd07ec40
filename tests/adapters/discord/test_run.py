"""`studybot run` as a person starts it: a separate process that serves Discord until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.adapters.discord.support import ANA, GUILD, STUDY
from tests.harness.fake_discord import FakeDiscord

STUDYBOT = Path(sys.executable).parent / "studybot"


async def test_studybot_run_serves_discord_until_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    """With DISCORD_TOKEN set, `studybot run` logs in, syncs to the test guild, answers a
    slash command, and stops cleanly on SIGTERM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}",
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_GUILD_ID": str(GUILD),
    }
    process = await asyncio.create_subprocess_exec(
        str(STUDYBOT),
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    said: list[str] = []
    try:
        while not any("serving discord" in line for line in said):
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, "studybot ended before serving: " + "".join(said)
            said.append(line.decode())
        assert set(fake.commands(GUILD)) >= {"quiz", "drill", "review"}
        topics = await fake.slash(GUILD, STUDY, ANA, "topics")
        assert (await fake.reply(topics, within=10))["embeds"][0]["title"] == "Topics"
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, "".join(said) + rest.decode()
    assert [s for s in fake.sessions if s.closed] == fake.sessions  # it said goodbye
