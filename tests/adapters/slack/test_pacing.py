"""The pacers (per channel, per workspace) and the event de-duplication, on a hand-moved
clock; the outbox against the fake Slack when the workspace's cap is lower than assumed."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.adapters.slack.adapter import build_client
from bot.adapters.slack.listeners import SeenEvents
from bot.adapters.slack.outbox import (
    HEADROOM,
    SLOWDOWN,
    ChannelPacer,
    SlackOutbox,
    WorkspacePacer,
)
from bot.core.ports import Place
from bot.core.views import BoardView
from tests.harness.fake_slack import FakeSlack, Pace


class HandClock:
    """Monotonic time that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.t = 100.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_a_channel_gets_its_burst_then_one_message_per_second() -> None:
    """Five posts at once in one channel: three go now, then one per second (and a margin)."""
    clock = HandClock()
    pacer = ChannelPacer(1, burst=3, margin=0.1, now=clock.now, sleep=clock.sleep)
    times = []
    for _ in range(5):
        await pacer.wait_turn("C1")
        times.append(clock.t - 100.0)
    assert times == pytest.approx([0.0, 0.0, 0.0, 1.1, 2.1])


async def test_channels_are_paced_apart() -> None:
    """A busy channel does not delay another one."""
    clock = HandClock()
    pacer = ChannelPacer(1, burst=1, margin=0, now=clock.now, sleep=clock.sleep)
    await pacer.wait_turn("C1")
    await pacer.wait_turn("C2")
    assert clock.slept == []
    await pacer.wait_turn("C1")
    assert clock.slept == [1.0]


async def test_concurrent_posts_to_one_channel_queue_in_order() -> None:
    """Posts racing for one channel take turns; none skips the pace."""
    clock = HandClock()
    pacer = ChannelPacer(2, burst=1, margin=0, now=clock.now, sleep=clock.sleep)
    order: list[int] = []

    async def post(n: int) -> None:
        await pacer.wait_turn("C1")
        order.append(n)

    await asyncio.gather(*(post(n) for n in range(4)))
    assert order == [0, 1, 2, 3]
    assert clock.t - 100.0 == 1.5


async def test_a_429_in_a_busy_channel_holds_that_channel_only() -> None:
    """The channel had just posted, so the 429 may be its own: it waits Retry-After,
    another channel does not."""
    clock = HandClock()
    pacer = ChannelPacer(1, burst=3, margin=0, now=clock.now, sleep=clock.sleep)
    assert await pacer.wait_turn("C1") is True, "quiet: its whole burst was free"
    assert await pacer.wait_turn("C1") is False
    pacer.refused("C1", 2, quiet=False)
    await pacer.wait_turn("C2")
    assert clock.slept == []
    await pacer.wait_turn("C1")
    assert clock.t - 100.0 == 2.0


async def test_a_quiet_channel_gets_its_refused_message_back() -> None:
    """A 429 in a quiet channel is the workspace's: the channel is not held, and the retry
    still counts as quiet."""
    clock = HandClock()
    pacer = ChannelPacer(1, burst=3, margin=0, now=clock.now, sleep=clock.sleep)
    assert await pacer.wait_turn("C1") is True
    pacer.refused("C1", 1, quiet=True)
    assert await pacer.wait_turn("C1") is True
    assert clock.slept == []


async def test_the_workspace_goes_under_its_cap_with_half_its_burst() -> None:
    """Cap 10/s, burst 4: two posts at once, then one every 1/9.5 s."""
    clock = HandClock()
    pacer = WorkspacePacer(10, burst=4, now=clock.now, sleep=clock.sleep)
    times = []
    for _ in range(5):
        await pacer.wait_turn()
        times.append(clock.t - 100.0)
    step = 1 / (10 * HEADROOM)
    assert times == pytest.approx([0.0, 0.0, step, 2 * step, 3 * step])


async def test_a_workspace_429_holds_every_post_and_slows_the_pace() -> None:
    """Retry-After 1: nothing goes for a second, then one post and the others at SLOWDOWN
    of the pace, without a burst; the pace is regained little by little, never past the
    starting one."""
    clock = HandClock()
    pacer = WorkspacePacer(10, burst=6, now=clock.now, sleep=clock.sleep)
    turn = await pacer.wait_turn()
    pacer.refused(1, turn)
    assert pacer.per_second == pytest.approx(10 * HEADROOM * SLOWDOWN)
    times = []
    for _ in range(3):
        await pacer.wait_turn()
        times.append(clock.t - 100.0)
    assert times[0] == pytest.approx(1.0)
    assert times[1] - times[0] > 1 / (10 * HEADROOM) and times[2] > times[1]
    slowed = pacer.per_second
    clock.t += 2
    assert slowed < pacer.per_second < 10 * HEADROOM
    clock.t += 600
    assert pacer.per_second == pytest.approx(10 * HEADROOM)


async def test_one_overrun_met_by_several_lanes_slows_the_workspace_once() -> None:
    """Three posts on their way together are all refused: one slowdown, not three."""
    clock = HandClock()
    pacer = WorkspacePacer(10, burst=6, now=clock.now, sleep=clock.sleep)
    turns = [await pacer.wait_turn() for _ in range(3)]
    for turn in turns:
        pacer.refused(1, turn)
    assert pacer.per_second == pytest.approx(10 * HEADROOM * SLOWDOWN)


async def test_a_lower_workspace_cap_slows_the_outbox_without_losing_or_doubling() -> None:
    """The outbox assumes 40/s; the workspace allows 20/s. Thirty channels posted at once
    meet 429s, and each channel still gets its message exactly once, at a slower pace.
    The client's own 429 retry (sleeping inside the call) is left to edits."""
    channels = [f"C{n:03d}" for n in range(30)]
    async with FakeSlack(workspace_pace=Pace(per_second=20, burst=5)) as fake:
        client = build_client(fake.bot_token, fake.base_url)
        outbox = SlackOutbox(client, workspace=WorkspacePacer(40, burst=10))
        board = BoardView("Week of 2026-01-12: final standings", (), kind="weekly")
        ids = await asyncio.gather(
            *(outbox.post(Place("slack", "T0FAKE", c), board) for c in channels)
        )
        calls = fake.calls_to("chat.postMessage")
    accepted = [c.args["channel"] for c in calls if c.status == 200]
    assert sorted(accepted) == channels and len(set(ids)) == len(channels)
    assert any(c.status == 429 for c in calls)
    assert outbox.workspace.per_second < 40 * HEADROOM
    assert len(outbox.client.retry_handlers) > len(outbox.poster().retry_handlers)


async def test_posts_use_the_session_the_adapter_gives_its_client_at_start() -> None:
    """The client for posts follows the adapter's client: given a session after the outbox
    was made, posts go through that session too (one connection pool)."""
    client = build_client("xoxb-test", "http://127.0.0.1:9/api/")
    outbox = SlackOutbox(client)
    assert outbox.poster().session is None
    async with aiohttp.ClientSession() as session:
        client.session = session
        assert outbox.poster().session is session
        assert outbox.poster().token == client.token


def test_an_event_id_counts_once() -> None:
    """A retried delivery (same event_id) is recognised; an event without an id is not."""
    seen = SeenEvents(size=2)
    assert seen.first("Ev1") and not seen.first("Ev1")
    assert seen.first(None) and seen.first(None)
    assert seen.first("Ev2") and seen.first("Ev3")
    assert seen.first("Ev1"), "the oldest id is forgotten past the size"
