"""The Outbox port for Slack: questions and boards to a channel, reveals into the thread.

Slack allows chat.postMessage about one message per second per channel, with short
bursts, and caps it for the whole workspace too. Two pacers keep posts within both
before Slack has to say 429: one per channel, one for the workspace, so the core's
sender can run several channels at once. When Slack says 429 anyway, the post waits
Retry-After in its own lane and is tried again; nothing else sleeps inside a call.
A 429 in a channel that had been quiet cannot be the channel's limit: it is the
workspace's, so the workspace pacer holds every post for Retry-After, slows down, and
creeps back to its pace while Slack takes what it sends. Edits (chat.update, which
Slack limits apart) keep the client's own retry handler.
"""

from __future__ import annotations

import asyncio
import copy
import math
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks, summaries
from bot.core.delivery import Undeliverable
from bot.core.ports import Place
from bot.core.views import BoardView, QuestionView, RevealView

# chat.postMessage as the pacers assume Slack counts it. Slack publishes the channel's
# pace, and for the workspace only that a cap exists: the workspace pacer starts at
# WORKSPACE_RATE and learns a lower cap from Slack's 429s.
CHANNEL_RATE = 1.0  # messages per second per channel
CHANNEL_BURST = 3
WORKSPACE_RATE = 100.0  # messages per second for the whole workspace
WORKSPACE_BURST = 20
HEADROOM = 0.95  # the workspace is paced a little under its cap, half its burst used
SLOWDOWN = 0.8  # the workspace pace after a 429, as a share of the pace before it
RECOVERY = 1.02  # the pace regained per second without a 429, as a factor
SLOWEST = 1.0  # messages per second: the workspace pacer never goes below it
RATE_LIMIT_RETRIES = 10  # 429s one post sits out (while the pacers adapt) before the
# sender's own backoff, which holds its channel for seconds


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Allowance:
    """A token bucket's state; Slack counts in real (monotonic) time, not the study clock."""

    tokens: float
    updated: float
    held_until: float = 0.0  # a 429's Retry-After: nothing goes before this

    def refill(self, now: float, per_second: float, burst: int) -> None:
        if now > self.updated:  # (not during a hold: it ends empty)
            gained = (now - self.updated) * per_second
            self.tokens = min(float(burst), self.tokens + gained)
            self.updated = now

    def delay(self, now: float, per_second: float) -> float:
        """Seconds until one message may go (0: now); refill first."""
        wait = max(0.0, self.held_until - now)
        if self.tokens < 1 - 1e-9:  # not the last bit of a float after sleeping the delay
            wait = max(wait, (1 - self.tokens) / per_second)
        return wait

    def hold(self, now: float, seconds: float) -> None:
        """Nothing before ``seconds`` from now, then one message and the steady pace,
        without a burst: the burst Slack allows may be smaller than assumed too."""
        self.held_until = max(self.held_until, now + seconds)
        self.tokens = 1.0
        self.updated = self.held_until


class ChannelPacer:
    """A token bucket per channel: ``per_second`` steady, ``burst`` at once.

    Real (monotonic) time on purpose: this follows Slack's clock, not the study clock.
    A wait lasts ``margin`` seconds longer than the bucket needs, because Slack counts
    when a request arrives, and arrival times jitter by a few milliseconds.
    """

    def __init__(
        self,
        per_second: float = CHANNEL_RATE,
        burst: int = CHANNEL_BURST,
        margin: float = 0.1,
        now: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.margin = margin
        self.now = now
        self.sleep = sleep
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._allowances: dict[str, _Allowance] = {}

    async def wait_turn(self, channel: str) -> bool:
        """Return when ``channel`` may take one more message; callers queue in order.

        True when the channel had been quiet (its whole burst free): a 429 for this
        message is then not the channel's limit.
        """
        async with self._locks[channel]:
            allowance = self._allowances.setdefault(
                channel, _Allowance(float(self.burst), self.now())
            )
            allowance.refill(self.now(), self.per_second, self.burst)
            quiet = allowance.tokens >= self.burst and allowance.held_until <= self.now()
            while (delay := allowance.delay(self.now(), self.per_second)) > 0:
                await self.sleep(delay + self.margin)
                allowance.refill(self.now(), self.per_second, self.burst)
            allowance.tokens = max(0.0, allowance.tokens - 1)
            return quiet

    def refused(self, channel: str, retry_after: float, *, quiet: bool) -> None:
        """Slack said 429 to a post in ``channel``: a quiet channel gets its message back
        (Slack did not count it); a busy one waits Retry-After."""
        allowance = self._allowances[channel]
        if quiet:
            allowance.tokens = min(float(self.burst), allowance.tokens + 1)
        else:
            allowance.hold(self.now(), retry_after)


class WorkspacePacer:
    """One token bucket for the whole workspace, paced a little under ``per_second``.

    A 429 it is told of holds every post for Retry-After and lowers the pace to
    ``SLOWDOWN`` of what it was; each second without one regains ``RECOVERY`` of it,
    up to the starting pace. Callers queue first come, first served.
    """

    def __init__(
        self,
        per_second: float = WORKSPACE_RATE,
        burst: int = WORKSPACE_BURST,
        now: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.pace = per_second * HEADROOM
        self.burst = max(1, burst // 2)
        self.now = now
        self.sleep = sleep
        self._lock = asyncio.Lock()
        self._allowance = _Allowance(float(self.burst), now())
        self._slowed_to = self.pace  # the pace set by the last 429
        self._slowed_at = -math.inf

    @property
    def per_second(self) -> float:
        """The pace now: the last 429's, regained over the seconds since."""
        calm = max(0.0, self.now() - self._slowed_at)
        return min(self.pace, self._slowed_to * math.pow(RECOVERY, calm))

    async def wait_turn(self) -> float:
        """Return when one more message may go; the time of this turn."""
        async with self._lock:
            allowance = self._allowance
            allowance.refill(self.now(), self.per_second, self.burst)
            while (delay := allowance.delay(self.now(), self.per_second)) > 0:
                await self.sleep(delay)
                allowance.refill(self.now(), self.per_second, self.burst)
            allowance.tokens -= 1
            return self.now()

    def refused(self, retry_after: float, turn: float) -> None:
        """Slack said 429, at the workspace's scope, to a post sent at ``turn``.

        Posts already on their way when an earlier 429 came back slow nothing more:
        one overrun is one slowdown, however many lanes it met.
        """
        now = self.now()
        if turn > self._slowed_at:  # sent after the last 429 came back
            self._slowed_to = max(SLOWEST, self.per_second * SLOWDOWN)
            self._slowed_at = now
        self._allowance.hold(now, retry_after)


class SlackOutbox:
    def __init__(
        self,
        client: AsyncWebClient,
        pacer: ChannelPacer | None = None,
        workspace: WorkspacePacer | None = None,
    ) -> None:
        self.client = client
        self._poster: AsyncWebClient | None = None
        self.pacer = pacer or ChannelPacer()
        self.workspace = workspace or WorkspacePacer()

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
        refusals = 0
        while True:
            quiet = await self.pacer.wait_turn(place.channel)
            turn = await self.workspace.wait_turn()
            try:
                response = await self.poster().chat_postMessage(
                    channel=place.channel,
                    text=message.text,
                    blocks=message.blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as error:
                retry_after = _retry_after(error)
                if retry_after is None or refusals == RATE_LIMIT_RETRIES:
                    raise _final(error) from error
                refusals += 1
                self.pacer.refused(place.channel, retry_after, quiet=quiet)
                if quiet:
                    self.workspace.refused(retry_after, turn)
                continue
            return str(response["ts"])

    def poster(self) -> AsyncWebClient:
        """The client for posts: the adapter's client as it is now (the session it was
        given at start included), but a 429 comes back here instead of being slept out
        inside the call."""
        if self._poster is None or self._poster.session is not self.client.session:
            self._poster = _without_rate_limit_retries(self.client)
        return self._poster

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


def _without_rate_limit_retries(client: AsyncWebClient) -> AsyncWebClient:
    """The same client (token, base URL, session), without the 429 retry handler."""
    poster = copy.copy(client)
    poster.retry_handlers = [
        handler
        for handler in client.retry_handlers
        if not isinstance(handler, AsyncRateLimitErrorRetryHandler)
    ]
    return poster


def _retry_after(error: SlackApiError) -> float | None:
    """Seconds a 429 asks to wait (1 when it does not say); None for any other error."""
    response = error.response
    if response is None or response.status_code != 429:
        return None
    try:
        return max(0.0, float(response.headers.get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0


def _final(error: SlackApiError) -> Exception:
    code = error.response.get("error") if error.response is not None else None
    return Undeliverable(code) if code in FINAL_ERRORS else error
