"""Settings: where each value comes from, and how a bad one is reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, load_settings
from bot.core.errors import BadInput

NAMES = ("QUIZ_COUNT", "QUIZ_BASE_SECONDS", "LOG_LEVEL", "DATABASE_URL", "SLACK_HTTP_PORT")


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No studybot variable from the machine, and no .env but the test's own."""
    for name in os.environ:
        if name.upper() in NAMES or name.upper().startswith(("SLACK_", "DISCORD_", "STUDYBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_given_beats_environment_beats_dotenv_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "# local settings\nexport QUIZ_COUNT=3\nLOG_LEVEL='debug'  # chatty\nQUIZ_BASE_SECONDS=9\n"
    )
    monkeypatch.setenv("QUIZ_COUNT", "4")
    settings = Settings(QUIZ_BASE_SECONDS=30)
    assert settings.quiz_base_seconds == 30  # given
    assert settings.quiz_count == 4  # the environment over .env
    assert settings.log_level == "DEBUG"  # .env
    assert settings.database_url == "sqlite+aiosqlite:///./studybot.db"  # the default
    assert Settings(_env_file=None).log_level == "INFO"


def test_names_match_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("quiz_count", "7")
    monkeypatch.setenv("Slack_Admin_Users", "U01, U02,,")
    settings = load_settings()
    assert settings.quiz_count == 7 and settings.slack_admin_users == ["U01", "U02"]


def test_every_bad_value_is_one_line_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_COUNT", "0")
    monkeypatch.setenv("SLACK_HTTP_PORT", "99999")
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    monkeypatch.setenv("DRILL_GRACE_HOURS", "six")
    with pytest.raises(BadInput) as raised:
        load_settings()
    assert str(raised.value).splitlines() == [
        "Bad settings:",
        "  DRILL_GRACE_HOURS: Input should be a valid number, unable to parse string as a number"
        " (got 'six')",
        "  QUIZ_COUNT: Input should be greater than or equal to 1 (got '0')",
        "  LOG_LEVEL: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'chatty')",
        "  SLACK_HTTP_PORT: Input should be less than or equal to 65535 (got '99999')",
    ]


@pytest.mark.parametrize(
    ("value", "read"), [(" 7 ", 7), ("+7", 7), ("7.0", 7), ("1_0", 10), (12, 12)]
)
def test_whole_numbers_are_read_as_before(value: object, read: int) -> None:
    assert Settings(_env_file=None, QUIZ_COUNT=value).quiz_count == read


@pytest.mark.parametrize("value", ["7.5", "0x10", "1e1", "٧", "", "seven", "9" * 5000])
def test_what_is_not_a_whole_number_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, QUIZ_COUNT=value)
    [problem] = raised.value.errors()
    assert problem["loc"] == ("QUIZ_COUNT",) and problem["input"] == value


def test_secrets_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Slack token without its mode is refused naming the variable, not the token."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    with pytest.raises(BadInput) as raised:
        load_settings()
    assert "SLACK_BOT_TOKEN needs SLACK_APP_TOKEN" in str(raised.value)
    assert "very-secret" not in str(raised.value)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-also-secret")
    settings = load_settings()
    assert settings.platforms == ("slack",)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    assert "very-secret" not in repr(settings) and "also-secret" not in repr(settings)
    assert str(settings.slack_app_token) == "**********"


def test_a_blank_token_or_guild_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "  ")
    monkeypatch.setenv("DISCORD_GUILD_ID", "")
    settings = load_settings()
    assert settings.discord_token is None and settings.discord_guild_id is None
    assert settings.platforms == ()
