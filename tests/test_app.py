"""Start-up through the real entry point: what stops the bot, and what does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import bot.app
from bot.cli import main

PLATFORM_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def test_an_invalid_shipped_pack_stops_start_up_before_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken shipped pack is refused with its file named; no database is created."""
    shipped = tmp_path / "questions"
    shipped.mkdir()
    (shipped / "broken.yaml").write_text("questions:\n  - id: only-an-id\n")
    db = tmp_path / "never.db"
    monkeypatch.setattr(bot.app, "SHIPPED_QUESTIONS", shipped)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("QUESTIONS_PATH", raising=False)
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "only-an-id" in err
    assert "Traceback" not in err
    assert not db.exists()


class RecordingAdapter:
    """A platform adapter that records the lifecycle calls it gets, in order."""

    platform = "test"

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.outbox = self

    async def start(self, service: object) -> None:
        self.events.append("start")

    async def wait_ready(self) -> None:
        self.events.append("ready")

    async def stop(self) -> None:
        self.events.append("stop")

    async def post(self, place: object, view: object) -> str:
        self.events.append(f"post:{type(view).__name__}")
        return f"m{len(self.events)}"

    async def edit(self, place: object, message_id: str, view: object) -> None:
        self.events.append("edit")


async def test_the_lifecycle_starts_adapters_before_catching_up_and_stops_in_reverse(
    tmp_path: Path,
) -> None:
    """A drill queued while the bot was down is posted only after the adapter is ready;
    a platform that is not running keeps its messages queued; stop runs in reverse."""
    from datetime import UTC, datetime, timedelta

    from bot.config import Settings
    from bot.core.clock import SimulatedClock
    from bot.core.ports import Place, Who

    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'life.db'}", _env_file=None)
    clock = SimulatedClock(datetime(2026, 1, 15, 7, tzinfo=UTC))
    first = await bot.app.start(settings, clock=clock, adapters=[])
    boss = Who("test", "u-boss", "Boss", can_manage=True)
    await first.service.drill_now(Place("test", "guild", "#study"), boss)
    await first.service.drill_now(
        Place("elsewhere", "team", "#c"), Who("elsewhere", "u", "U", True)
    )
    await first.timer.settle()
    await first.stop()  # no adapter ran: both drills are still queued

    events: list[str] = []
    app = await bot.app.start(settings, clock=clock, adapters=[RecordingAdapter(events)])
    await app.timer.settle()
    assert events == ["start", "ready", "post:QuestionView"]
    async with app.service.repo.unit(readonly=True) as u:
        waiting = await u.due_deliveries(clock.now() + timedelta(hours=1), 10)
    assert [d.channel for d in waiting] == ["#c"]  # the platform not running here waits
    await app.stop()
    assert events[-1] == "stop"


def test_a_console_start_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Once the bank is cached, `studybot run` on the console loads no YAML parser, pack
    tools, APScheduler (nothing to schedule on a new database), Postgres driver or dialect,
    chat platform, chart or migration library: start-up pays for what it runs."""
    env = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARIABLES}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'quick.db'}",
        STUDYBOT_CACHE_DIR=str(tmp_path / "cache"),
        LOG_LEVEL="WARNING",
    )
    script = (
        "import sys\nfrom bot.cli import main\nstatus = main(['run'])\n"
        "print(status, ' '.join(sorted(sys.modules)))"
    )
    for _ in range(2):  # the first start migrates the database and fills the cache
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    status, loaded = done.stdout.split(" ", 1)
    assert status == "0"
    heavy = ("yaml", "bot.packs_cli", "bot.core.bank_rules", "apscheduler", "asyncpg")
    heavy += ("discord", "slack_bolt", "matplotlib", "alembic")
    heavy += ("sqlalchemy.dialects.postgresql",)
    assert [m for m in loaded.split() if m.split(".")[0] in heavy or m in heavy] == []
