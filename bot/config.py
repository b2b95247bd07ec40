"""Settings, read once from the environment (and .env) in the entry point and checked there.

Each setting is an environment variable. A value given to Settings(...) by the
variable's name wins over the environment, which wins over the .env file in the
working folder, which wins over the default; names match in any case (as with
pydantic-settings, which read them before). Every bad value is reported at once,
one line naming the variable, in the words pydantic used ("Input should be less
than or equal to 65535"). The reading is done here by hand because importing
pydantic-settings took about a sixth of a console start-up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.core.errors import BadInput
from bot.core.schedules import check_zone

SHIPPED_QUESTIONS = Path(__file__).resolve().parent.parent / "questions"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Secret:
    """A token or signing secret: shown as stars in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"


class _Bad(Exception):
    """One value's problem, in the words shown to the user."""


class SettingsError(ValueError):
    """Every bad setting: (variable, message, the value given)."""

    def __init__(self, problems: list[tuple[str, str, object]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message, _ in problems))
        self.problems = problems


# --- reading one value ----------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad("Input should be a valid string")
    return value


def _limits(value: float, ge: float | None, gt: float | None, le: float | None) -> None:
    if le is not None and not value <= le:  # first, as pydantic does (NaN fails here)
        raise _Bad(f"Input should be less than or equal to {le}")
    if ge is not None and not value >= ge:
        raise _Bad(f"Input should be greater than or equal to {ge}")
    if gt is not None and not value > gt:
        raise _Bad(f"Input should be greater than {gt}")


def _whole(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text.partition(".")[0])  # more digits than Python reads: ValueError too


def _number(
    whole: bool, ge: float | None = None, gt: float | None = None, le: float | None = None
) -> Callable[[object], float]:
    """A reader of whole numbers (int) or decimals (float) within limits, worded as pydantic."""
    kind, label = ("an integer", "a valid integer") if whole else ("a number", "a valid number")

    def read(value: object) -> float:
        number: float
        if isinstance(value, str):
            try:
                if not value.isascii():
                    raise ValueError(value)
                number = _whole(value.strip()) if whole else float(value)
            except ValueError:
                message = f"Input should be {label}, unable to parse string as {kind}"
                raise _Bad(message) from None
        elif isinstance(value, int | float) and not (whole and not float(value).is_integer()):
            number = int(value) if whole else float(value)
        else:
            raise _Bad(f"Input should be {label}")
        _limits(number, ge, gt, le)
        return number

    return read


def _secret(value: object) -> Secret | None:
    """A secret; blank is unset."""
    if isinstance(value, Secret):
        value = value.get_secret_value()
    text = _text(value)
    return Secret(text) if text.strip() else None


def _guild(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(_number(whole=True, gt=0)(value))


def _users(value: object) -> list[str]:
    """Slack user ids: "U01,U02" (or a list of them)."""
    if isinstance(value, str):
        return [u.strip() for u in value.split(",") if u.strip()]
    if isinstance(value, list | tuple) and all(isinstance(u, str) for u in value):
        return list(value)
    raise _Bad("Input should be a valid list")


def _zone(value: object) -> str:
    try:
        return check_zone(_text(value))
    except BadInput as error:
        raise _Bad(str(error)) from None


def _level(value: object) -> str:
    text = _text(value)
    if text.upper() not in LOG_LEVELS:
        raise _Bad(f"use one of {', '.join(LOG_LEVELS)}")
    return text.upper()


@dataclass(frozen=True)
class _Var:
    attribute: str
    name: str  # the environment variable
    default: object
    read: Callable[[object], object]


# In the order their problems are listed.
_VARS = (
    _Var("database_url", "DATABASE_URL", "sqlite+aiosqlite:///./studybot.db", _text),
    _Var("questions_path", "QUESTIONS_PATH", "", _text),
    _Var("default_timezone", "STUDYBOT_TIMEZONE", "UTC", _zone),
    _Var("drill_grace_hours", "DRILL_GRACE_HOURS", 6.0, _number(whole=False, ge=0, le=48)),
    _Var("quiz_count", "QUIZ_COUNT", 5, _number(whole=True, ge=1, le=20)),
    _Var("quiz_base_seconds", "QUIZ_BASE_SECONDS", 20, _number(whole=True, ge=5, le=600)),
    _Var("log_level", "LOG_LEVEL", "INFO", _level),
    # how often a follower process tries to become the scheduler leader (Postgres)
    _Var("leader_poll_seconds", "LEADER_POLL_SECONDS", 10.0, _number(whole=False, gt=0, le=30)),
    # where start-up keeps the checked shipped bank (bot/core/pack_bank.py);
    # empty: $XDG_CACHE_HOME/studybot, else ~/.cache/studybot
    _Var("cache_dir", "STUDYBOT_CACHE_DIR", "", _text),
    # test seam: SIGKILL the process at a named moment (bot/faults.py); never set in production
    _Var("crash_at", "STUDYBOT_CRASH_AT", "", _text),
    _Var("discord_token", "DISCORD_TOKEN", None, _secret),
    _Var("discord_api_base", "DISCORD_API_BASE", "https://discord.com/api/v10", _text),
    _Var("discord_gateway_url", "DISCORD_GATEWAY_URL", "wss://gateway.discord.gg/", _text),
    _Var("discord_guild_id", "DISCORD_GUILD_ID", None, _guild),
    _Var("slack_bot_token", "SLACK_BOT_TOKEN", None, _secret),
    _Var("slack_app_token", "SLACK_APP_TOKEN", None, _secret),
    _Var("slack_signing_secret", "SLACK_SIGNING_SECRET", None, _secret),
    # 0 picks any free port (tests read the adapter's http_port)
    _Var("slack_http_port", "SLACK_HTTP_PORT", 3000, _number(whole=True, ge=0, le=65535)),
    _Var("slack_http_host", "SLACK_HTTP_HOST", "0.0.0.0", _text),
    _Var("slack_api_url", "SLACK_API_URL", "https://slack.com/api/", _text),
    # Slack user ids who may manage drills besides workspace admins and owners: "U01,U02"
    _Var("slack_admin_users", "SLACK_ADMIN_USERS", "", _users),
)


def _dotenv(path: Path) -> dict[str, str]:
    """The variables of a .env file (python-dotenv's reading), or none without one."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    values = dotenv_values(path, encoding="utf-8")
    return {name: value for name, value in values.items() if value is not None}


def _lowered(values: Mapping[str, object]) -> dict[str, object]:
    return {name.lower(): value for name, value in values.items()}


class Settings:
    """The settings: Settings(DATABASE_URL=..., _env_file=None) in tests, load_settings() else."""

    database_url: str
    questions_path: str
    default_timezone: str
    drill_grace_hours: float
    quiz_count: int
    quiz_base_seconds: int
    log_level: str
    leader_poll_seconds: float
    cache_dir: str
    crash_at: str
    discord_token: Secret | None
    discord_api_base: str
    discord_gateway_url: str
    discord_guild_id: int | None
    slack_bot_token: Secret | None
    slack_app_token: Secret | None
    slack_signing_secret: Secret | None
    slack_http_port: int
    slack_http_host: str
    slack_api_url: str
    slack_admin_users: list[str]

    def __init__(self, _env_file: str | Path | None = ".env", **given: object) -> None:
        """Read every setting; raise SettingsError listing every bad one."""
        sources = [
            _lowered(given),
            _lowered(os.environ),
            _lowered(_dotenv(Path(_env_file))) if _env_file is not None else {},
        ]
        problems: list[tuple[str, str, object]] = []
        for var in _VARS:
            key = var.name.lower()
            raw = next((source[key] for source in sources if key in source), var.default)
            try:
                value = None if raw is None and var.default is None else var.read(raw)
            except _Bad as bad:
                problems.append((var.name, str(bad), raw))
                continue
            setattr(self, var.attribute, value)
        if (
            not problems
            and self.slack_bot_token
            and not (self.slack_app_token or self.slack_signing_secret)
        ):
            message = (
                "SLACK_BOT_TOKEN needs SLACK_APP_TOKEN (Socket Mode) "
                "or SLACK_SIGNING_SECRET (HTTP mode)"
            )
            problems.append(("SLACK_BOT_TOKEN", message, None))
        if problems:
            raise SettingsError(problems)

    def __repr__(self) -> str:
        shown = ", ".join(f"{v.attribute}={getattr(self, v.attribute)!r}" for v in _VARS)
        return f"Settings({shown})"

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
    except SettingsError as error:
        lines = []
        for name, message, given in error.problems:
            shown = "" if name.endswith(("TOKEN", "SECRET")) else f" (got {given!r:.60})"
            lines.append(f"{name}: {message}{shown}")
        raise BadInput("Bad settings:\n  " + "\n  ".join(lines)) from None
