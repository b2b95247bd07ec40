"""The Outbox port for Slack: questions and boards to a channel, reveals into the thread.

Slack allows about one message per second per channel, with short bursts. The pacer
keeps each channel within that before Slack has to say 429; when it says so anyway,
the client's rate-limit retry handler waits Retry-After and tries again.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks, summaries
from bot.core.delivery import Undeliverable
from bot.core.ports import Place
from bot.core.views import BoardView, QuestionView, RevealView


@dataclass
class _Allowance:
    tokens: float
    updated: float


class ChannelPacer:
    """A token bucket per channel: ``per_second`` steady, ``burst`` at once.

    Real (monotonic) time on purpose: this follows Slack's clock, not the study clock.
    A wait lasts ``margin`` seconds longer than the bucket needs, because Slack counts
    when a request arrives, and arrival times jitter by a few milliseconds.
    """

    def __init__(
        self,
        per_second: float = 1.0,
        burst: int = 3,
        margin: float = 0.1,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.margin = margin
        self.now = now
        self.sleep = sleep
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._allowances: dict[str, _Allowance] = {}

    async def wait_turn(self, channel: str) -> None:
        """Return when ``channel`` may take one more message; callers queue in order."""
        async with self._locks[channel]:
            allowance = self._allowances.setdefault(
                channel, _Allowance(float(self.burst), self.now())
            )
            self._refill(allowance)
            if allowance.tokens < 1:
                await self.sleep((1 - allowance.tokens) / self.per_second + self.margin)
                self._refill(allowance)
            allowance.tokens = max(0.0, allowance.tokens - 1)

    def _refill(self, allowance: _Allowance) -> None:
        now = self.now()
        gained = (now - allowance.updated) * self.per_second
        allowance.tokens = min(float(self.burst), allowance.tokens + gained)
        allowance.updated = now


class SlackOutbox:
    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()

    async def post(self, place: Place, view: QuestionView | RevealView | BoardView) -> str:
        """Post a view; a reveal goes into the thread of the question it answers."""
        thread_ts: str | None = None
        if isinstance(view, QuestionView):
            message = blocks.question(view)
        elif isinstance(view, RevealView):
            message = blocks.reveal(view)
            thread_ts = view.question_message_id
        elif isinstance(view, BoardView):
            message = summaries.board(view)
        else:
            raise TypeError(f"no Slack rendering for {type(view).__name__}")
        await self.pacer.wait_turn(place.channel)
        try:
            response = await self.client.chat_postMessage(
                channel=place.channel,
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            raise _final(error) from error
        return str(response["ts"])

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        """Update a question in place (at the reveal: closed, without buttons)."""
        message = blocks.question(view)
        try:
            await self.client.chat_update(
                channel=place.channel, ts=message_id, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            raise _final(error) from error


# Slack's answers that no retry will change: give the message up instead of retrying
FINAL_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "message_not_found",
        "cant_update_message",
    }
)


def _final(error: SlackApiError) -> Exception:
    code = error.response.get("error") if error.response is not None else None
    return Undeliverable(code) if code in FINAL_ERRORS else error
