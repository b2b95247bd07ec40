"""Slack: a slack-bolt AsyncApp in Socket Mode or HTTP mode, Block Kit rendering, an Outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]


def __getattr__(name: str) -> Any:
    # bolt is imported only when the adapter is used, not by the renderer's importers
    if name == "SlackAdapter":
        from bot.adapters.slack.adapter import SlackAdapter

        return SlackAdapter
    raise AttributeError(name)
