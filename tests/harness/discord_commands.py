"""What Discord's client sends for a slash command, built from the synced definition.

Tests name options by value ({"time": "08:00"}); the builder looks up each option's
declared type in the command the bot synced, converts the value the way Discord's client
would, and refuses what that client would never send (a missing required option, an
unknown option, a number out of range, a value outside the declared choices). It also
holds Discord's checks of command definitions at sync time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.harness.discord_payloads import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    JSON,
    MEMBER_PERMISSIONS,
    NUMBER,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
    FakeGuild,
    FakeUser,
    member_payload,
)


class OptionBuilder:
    def __init__(
        self, user: Callable[[int], FakeUser], guild_of_channel: Callable[[int], FakeGuild]
    ) -> None:
        self.user = user
        self.guild_of_channel = guild_of_channel

    def command_data(
        self, command: JSON, path: list[str], values: dict[str, Any], focused: str | None
    ) -> JSON:
        """The interaction's `data` for the command, a subcommand path and option values."""
        resolved: JSON = {}
        data: JSON = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._options(command.get("options") or [], path, values, focused, resolved),
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _options(
        self,
        schema: list[JSON],
        path: list[str],
        values: dict[str, Any],
        focused: str | None,
        resolved: JSON,
    ) -> list[JSON]:
        if path:
            sub = next((o for o in schema if o["name"] == path[0]), None)
            if sub is None or sub["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
                raise AssertionError(f"no subcommand {path[0]!r}")
            inner = self._options(sub.get("options") or [], path[1:], values, focused, resolved)
            return [{"name": sub["name"], "type": sub["type"], "options": inner}]
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            raise AssertionError("this command needs a subcommand")
        by_name = {o["name"]: o for o in schema}
        out: list[JSON] = []
        for key, value in values.items():
            spec = by_name.get(key)
            if spec is None:
                raise AssertionError(f"the command has no option {key!r}")
            option: JSON = {"name": key, "type": spec["type"]}
            if key == focused:
                option["value"] = str(value)
                option["focused"] = True
            else:
                option["value"] = self._option_value(spec, value, resolved)
            out.append(option)
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise AssertionError(f"Discord's client requires the options {missing}")
        return out

    def _option_value(self, spec: JSON, value: Any, resolved: JSON) -> Any:
        """Convert as Discord's client would, refusing what it would not let a user send."""
        kind = spec["type"]
        if kind in (INTEGER, NUMBER):
            number = int(value) if kind == INTEGER else float(value)
            low, high = spec.get("min_value"), spec.get("max_value")
            if (low is not None and number < low) or (high is not None and number > high):
                raise AssertionError(f"Discord's client refuses {number} for {spec['name']}")
            converted: Any = number
        elif kind == BOOLEAN:
            converted = bool(value)
        elif kind == USER:
            member = self.user(int(value))
            converted = str(member.id)
            resolved.setdefault("users", {})[converted] = member.payload()
            resolved.setdefault("members", {})[converted] = {
                k: v for k, v in member_payload(member, MEMBER_PERMISSIONS).items() if k != "user"
            }
        elif kind == CHANNEL:
            converted = str(int(value))
            guild = self.guild_of_channel(int(value))
            channel = guild.channel_payload(int(value))
            channel["permissions"] = str(MEMBER_PERMISSIONS)
            resolved.setdefault("channels", {})[converted] = channel
        elif kind == STRING:
            converted = str(value)
            if len(converted) > int(spec.get("max_length") or 6000):
                raise AssertionError(f"too long for {spec['name']}")
        else:
            converted = value
        allowed = [c["value"] for c in spec.get("choices") or []]
        if allowed and converted not in allowed:
            raise AssertionError(f"{converted!r} is not one of the choices {allowed}")
        return converted


def permission_string(value: Any) -> str | None:
    """Discord answers permission bit sets as strings, however they were sent."""
    return None if value is None else str(value)


_COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def command_problems(command: JSON, *, is_option: bool = False) -> list[str]:
    """What Discord refuses in a command definition (names, lengths, counts)."""
    problems: list[str] = []
    name = str(command.get("name", ""))
    if not _COMMAND_NAME.match(name):
        problems.append(f"name {name!r} must be 1-32 lowercase characters")
    needs_description = is_option or command.get("type", 1) == 1
    if needs_description and not 1 <= len(command.get("description") or "") <= 100:
        problems.append(f"{name}: description must be 1-100 characters")
    if len(command.get("choices") or []) > 25:
        problems.append(f"{name}: at most 25 choices")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"{name}: at most 25 options")
    for option in options:
        problems.extend(command_problems(option, is_option=True))
    return problems
