"""Start-up through the real entry point: what stops the bot, and what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.app
from bot.cli import main


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
