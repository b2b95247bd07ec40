"""Settings, read once from the environment (and .env) in the entry point and checked there."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import BadInput
from bot.core.schedules import check_zone

SHIPPED_QUESTIONS = Path(__file__).resolve().parent.parent / "questions"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./studybot.db", validation_alias="DATABASE_URL"
    )
    questions_path: str = Field(default="", validation_alias="QUESTIONS_PATH")
    default_timezone: str = Field(default="UTC", validation_alias="STUDYBOT_TIMEZONE")
    drill_grace_hours: float = Field(default=6.0, ge=0, le=48, validation_alias="DRILL_GRACE_HOURS")
    quiz_count: int = Field(default=5, ge=1, le=20, validation_alias="QUIZ_COUNT")
    quiz_base_seconds: int = Field(default=20, ge=5, le=600, validation_alias="QUIZ_BASE_SECONDS")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # how often a follower process tries to become the scheduler leader (Postgres)
    leader_poll_seconds: float = Field(
        default=10.0, gt=0, le=30, validation_alias="LEADER_POLL_SECONDS"
    )
    # where start-up keeps the checked shipped bank (bot/core/pack_bank.py);
    # empty: $XDG_CACHE_HOME/studybot, else ~/.cache/studybot
    cache_dir: str = Field(default="", validation_alias="STUDYBOT_CACHE_DIR")
    # test seam: SIGKILL the process at a named moment (bot/faults.py); never set in production
    crash_at: str = Field(default="", validation_alias="STUDYBOT_CRASH_AT")

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_base: str = Field(
        default="https://discord.com/api/v10", validation_alias="DISCORD_API_BASE"
    )
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg/", validation_alias="DISCORD_GATEWAY_URL"
    )
    discord_guild_id: int | None = Field(default=None, gt=0, validation_alias="DISCORD_GUILD_ID")
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    # 0 picks any free port (tests read the adapter's http_port)
    slack_http_port: int = Field(default=3000, ge=0, le=65535, validation_alias="SLACK_HTTP_PORT")
    slack_http_host: str = Field(default="0.0.0.0", validation_alias="SLACK_HTTP_HOST")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Slack user ids who may manage drills besides workspace admins and owners: "U01,U02"
    slack_admin_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="SLACK_ADMIN_USERS"
    )

    @field_validator("slack_admin_users", mode="before")
    @classmethod
    def _user_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    @model_validator(mode="after")
    def _slack_mode(self) -> Settings:
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError(
                "SLACK_BOT_TOKEN needs SLACK_APP_TOKEN (Socket Mode) "
                "or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        return self

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            return check_zone(value)
        except BadInput as error:
            raise ValueError(str(error)) from None

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _blank_guild(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def question_dirs(self) -> list[Path]:
        """The shipped pack folder first, then each QUESTIONS_PATH folder."""
        extra = [Path(p) for p in self.questions_path.split(":") if p.strip()]
        return [SHIPPED_QUESTIONS, *extra]

    @property
    def bank_cache_dir(self) -> Path | None:
        """The folder of the bank cache (None when there is no home folder to put it in)."""
        if self.cache_dir.strip():
            return Path(self.cache_dir).expanduser()
        try:
            return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "studybot"
        except RuntimeError:
            return None

    @property
    def drill_grace(self) -> timedelta:
        return timedelta(hours=self.drill_grace_hours)

    @property
    def platforms(self) -> tuple[str, ...]:
        """The chat platforms whose tokens are set; none means the console."""
        found = []
        if self.discord_token is not None:
            found.append("discord")
        if self.slack_bot_token is not None:
            found.append("slack")
        return tuple(found)


def load_settings() -> Settings:
    """Settings from the environment; every bad value is one line naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "SLACK_BOT_TOKEN"
            given = problem.get("input")
            shown = "" if name.endswith(("TOKEN", "SECRET")) else f" (got {given!r:.60})"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}{shown}")
        raise BadInput("Bad settings:\n  " + "\n  ".join(lines)) from None
