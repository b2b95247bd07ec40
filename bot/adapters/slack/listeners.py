"""What every listener group shares: the service, who-is-who, seen events, queued work."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.backlog import Backlog, Job
from bot.adapters.slack.blocks import SlackMessage
from bot.adapters.slack.people import People
from bot.adapters.slack.wording import FAILED, NOT_MEMBER, explain
from bot.core.errors import StudyError
from bot.core.service import StudyService

log = logging.getLogger(__name__)

Reply = Callable[[SlackMessage], Awaitable[None]]


class SeenEvents:
    """Event ids already handled, so a retried delivery of one event does nothing more.

    Slack retries an event it thinks went unanswered with the same ``event_id``; the
    last few thousand ids are plenty, since retries come within minutes.
    """

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first(self, event_id: str | None) -> bool:
        """True the first time ``event_id`` is seen (and for events without an id)."""
        if not event_id:
            return True
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


@dataclass
class Listeners:
    """The dependencies of the listener groups (``commands``, ``actions``, ``events``).

    A listener acknowledges first and hands what follows to ``later``: the backlog's
    workers run it, so the acknowledgement of a new request never waits for the work
    of earlier ones.
    """

    service: StudyService
    people: People
    client: AsyncWebClient
    seen: SeenEvents = field(default_factory=SeenEvents)
    backlog: Backlog = field(default_factory=Backlog)

    async def later(self, reply: Reply, what: str, job: Job) -> None:
        """Queue a listener's work after its ack; errors are told to the user politely."""
        await self.backlog.put(partial(self._run, reply, what, job))

    async def _run(self, reply: Reply, what: str, job: Job) -> None:
        try:
            await job()
        except StudyError as error:
            await self._say(reply, explain(error), what)
        except SlackApiError as error:
            if error.response.get("error") in ("not_in_channel", "channel_not_found"):
                await self._say(reply, NOT_MEMBER, what)
            else:
                log.exception("Slack refused a call while handling %s", what)
                await self._say(reply, FAILED, what)
        except Exception:
            log.exception("handling %s failed", what)
            await self._say(reply, FAILED, what)

    async def _say(self, reply: Reply, text: str, what: str) -> None:
        try:
            await reply(SlackMessage(text))
        except Exception:
            log.exception("could not tell the user why %s failed", what)

    async def wait_idle(self) -> None:
        """Return once the work queued so far has been done."""
        await self.backlog.wait_idle()

    async def finish(self, grace: float) -> None:
        """Do the queued work (for up to ``grace`` seconds), then stop."""
        await self.backlog.close(grace)

    def ephemeral(self, channel: str, user: str, thread_ts: str | None = None) -> Reply:
        """A reply only ``user`` sees in ``channel`` (chat.postEphemeral)."""

        async def send(message: SlackMessage) -> None:
            await self.client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=message.text,
                blocks=message.blocks or None,
                thread_ts=thread_ts,
            )

        return send


def responder(
    respond: Any, *, in_channel: bool = False, replace_original: bool | None = None
) -> Reply:
    """A reply through the request's response_url (only the user sees it, by default)."""

    async def send(message: SlackMessage) -> None:
        kwargs: dict[str, Any] = {
            "text": message.text,
            "response_type": "in_channel" if in_channel else "ephemeral",
        }
        if message.blocks:
            kwargs["blocks"] = message.blocks
        if replace_original is not None:
            kwargs["replace_original"] = replace_original
        await respond(**kwargs)

    return send
