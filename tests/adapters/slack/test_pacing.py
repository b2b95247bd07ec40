"""The per-channel pacer and the event de-duplication, on a hand-moved clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.slack.listeners import SeenEvents
from bot.adapters.slack.outbox import ChannelPacer


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


def test_an_event_id_counts_once() -> None:
    """A retried delivery (same event_id) is recognised; an event without an id is not."""
    seen = SeenEvents(size=2)
    assert seen.first("Ev1") and not seen.first("Ev1")
    assert seen.first(None) and seen.first(None)
    assert seen.first("Ev2") and seen.first("Ev3")
    assert seen.first("Ev1"), "the oldest id is forgotten past the size"
