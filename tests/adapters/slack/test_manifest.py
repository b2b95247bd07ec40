"""slack-manifest.yml asks for exactly what the code listens to and calls."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import actions, commands, events

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "bot" / "adapters" / "slack"

# Web API method -> the bot scope it needs (None: no scope). A method missing here fails
# the test below, so a new call cannot slip in without deciding its scope.
METHOD_SCOPES: dict[str, str | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "users_info": "users:read",
    "conversations_open": "im:write",
    "views_publish": None,
    "files_upload_v2": "files:write",
}
# An Events API event the code listens to -> the subscriptions (and their scopes) it covers.
EVENT_SUBSCRIPTIONS: dict[str, dict[str, str | None]] = {
    "message": {
        "message.channels": "channels:history",
        "message.groups": "groups:history",
        "message.im": "im:history",
    },
    "app_home_opened": {"app_home_opened": None},
    "app_mention": {"app_mention": "app_mentions:read"},
}


class RecordingApp:
    """Stands in for AsyncApp at registration: records what each listener group asks for."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.events: list[str] = []
        self.actions: list[Any] = []

    def _record(self, into: list[Any], key: Any) -> Any:
        into.append(key)
        return lambda function: function

    def command(self, name: str) -> Any:
        return self._record(self.commands, name)

    def event(self, name: str) -> Any:
        return self._record(self.events, name)

    def action(self, matcher: Any) -> Any:
        return self._record(self.actions, matcher)


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "slack-manifest.yml").read_text())
    return loaded


def registered() -> RecordingApp:
    app = RecordingApp()
    for group in (commands, events, actions):
        group.register(app, None)  # type: ignore[arg-type]
    return app


def web_api_calls() -> set[str]:
    """Names of AsyncWebClient methods called anywhere in the adapter's source."""
    called = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if hasattr(AsyncWebClient, name) and re.match(r"^[a-z]+_[A-Za-z0-9_]+$", name):
                    called.add(name)
    return called


def test_every_command_and_event_the_code_registers_is_in_the_manifest() -> None:
    """A listener for something Slack never sends, or a subscription nothing handles, fails."""
    app = registered()
    m = manifest()
    assert sorted(app.commands) == sorted(c["command"] for c in m["features"]["slash_commands"])
    subscribed = set(m["settings"]["event_subscriptions"]["bot_events"])
    covered = {sub for event in app.events for sub in EVENT_SUBSCRIPTIONS[event]}
    assert set(app.events) <= set(EVENT_SUBSCRIPTIONS), "map each new event to its subscriptions"
    assert subscribed == covered, "every subscribed event needs a listener, and vice versa"
    assert sorted(app.events) == sorted(events.EVENTS)


def test_every_scope_the_code_needs_is_requested_and_no_more() -> None:
    """Scopes follow from the Web API calls, the events and the slash command."""
    calls = web_api_calls()
    assert calls, "the scan found the adapter's Web API calls"
    unknown = calls - set(METHOD_SCOPES)
    assert not unknown, f"decide the scope of {sorted(unknown)} in METHOD_SCOPES"
    needed = {METHOD_SCOPES[c] for c in calls} | {"commands"}
    for event in registered().events:
        needed |= set(EVENT_SUBSCRIPTIONS[event].values())
    requested = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert needed - {None} == requested


def test_the_manifest_turns_on_what_the_adapter_relies_on() -> None:
    """Buttons need interactivity; the App Home tab and Socket Mode are on."""
    m = manifest()
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["features"]["bot_user"]["display_name"]


def test_the_manifest_keeps_slacks_structure_and_limits() -> None:
    """Only keys Slack's manifest format knows, within its length limits (checked offline)."""
    m = manifest()
    assert set(m) <= {"display_information", "features", "oauth_config", "settings"}
    shown = m["display_information"]
    assert set(shown) <= {"name", "description", "long_description", "background_color"}
    assert 1 <= len(shown["name"]) <= 35 and 1 <= len(shown["description"]) <= 140
    assert 175 <= len(shown["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", shown["background_color"])
    assert set(m["features"]) <= {"app_home", "bot_user", "slash_commands"}
    for command in m["features"]["slash_commands"]:
        assert set(command) <= {"command", "url", "description", "usage_hint", "should_escape"}
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert len(command["usage_hint"]) <= 1000
    assert set(m["oauth_config"]["scopes"]) == {"bot"}
    assert set(m["settings"]) <= {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
    }
