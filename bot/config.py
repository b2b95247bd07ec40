"""Settings, read once from the environment (and .env) in the entry point."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SHIPPED_QUESTIONS = Path(__file__).resolve().parent.parent / "questions"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./studybot.db", validation_alias="DATABASE_URL"
    )
    questions_path: str = Field(default="", validation_alias="QUESTIONS_PATH")
    default_timezone: str = Field(default="UTC", validation_alias="STUDYBOT_TIMEZONE")
    drill_grace_hours: float = Field(default=6.0, validation_alias="DRILL_GRACE_HOURS")
    quiz_count: int = Field(default=5, validation_alias="QUIZ_COUNT")
    quiz_base_seconds: int = Field(default=20, validation_alias="QUIZ_BASE_SECONDS")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    discord_token: str | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_base: str = Field(
        default="https://discord.com/api/v10", validation_alias="DISCORD_API_BASE"
    )
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg/", validation_alias="DISCORD_GATEWAY_URL"
    )
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_http_port: int = Field(default=3000, validation_alias="SLACK_HTTP_PORT")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

    @property
    def question_dirs(self) -> list[Path]:
        """The shipped pack folder first, then each QUESTIONS_PATH folder."""
        extra = [Path(p) for p in self.questions_path.split(":") if p.strip()]
        return [SHIPPED_QUESTIONS, *extra]

    @property
    def drill_grace(self) -> timedelta:
        return timedelta(hours=self.drill_grace_hours)
