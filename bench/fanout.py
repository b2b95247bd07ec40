"""Part 6: a drill fired in 2,000 Slack channels at once, against Slack's rate limits.

The database holds 2,000 drill posts whose questions are queued to be said (as the
drills' firing leaves them, written with raw SQL); `studybot run` starts, catches
up and its sender delivers them to the fake Slack, which allows about one message
per second per channel (bursts of 3) and WORKSPACE_RATE per second for the whole
workspace (bursts of WORKSPACE_BURST), answering 429 with Retry-After beyond that.
The floor is the least time those limits allow for the whole fan-out: each limit,
a token bucket, lets its burst through at once and the rest at its rate, and the
tightest one decides (here the workspace's: one message per channel never waits on a
channel's own pace). Measured from the first post the fake sees to the last one it
accepts; a channel that never gets its question is a lost post. The bot knows only
the per-channel pace and its own assumption of the workspace's cap
(bot/adapters/slack/outbox.py, the same 100/s as the fake's here); `workspace` runs
the fan-out against another cap.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import say, shipped_bank
from bench.db import fresh
from bench.loader import Loader
from bench.slack import ADMIN, TEAM, start_bot
from tests.harness.fake_slack import FakeSlack, Pace

WORKSPACE_RATE = 100.0  # messages per second for the whole workspace
WORKSPACE_BURST = 20
CHANNEL_PACE = Pace(per_second=1.0, burst=3)
WORKSPACE_PACE = Pace(per_second=WORKSPACE_RATE, burst=WORKSPACE_BURST)


async def _queue_drills(database: Path, channels: int) -> None:
    """Drill posts, one per channel, each with its question waiting to be delivered."""
    bank = shipped_bank()
    db = await fresh("sqlite", database.parent, database.stem)
    now = datetime.now(UTC)
    loader = await Loader(db).open()
    await loader.insert(
        "questions", [(q.id, q.concept, q.content_hash(), True) for q in bank.questions]
    )
    await loader.insert("tenants", [(1, "slack", TEAM, "UTC", False, None, "09:00:00")])
    posts, deliveries = [], []
    for n in range(channels):
        question = bank.questions[n % len(bank.questions)].id
        channel = f"C{n:05d}"
        posts.append(
            (n + 1, "drill", 1, channel, question, None, now, now + timedelta(hours=4))
            + (None, None, None, None, None)
        )
        deliveries.append(
            (n + 1, "question", 1, channel, f"question:{n + 1}", n + 1, None, None, now, now)
            + (0, None, None)
        )
    await loader.insert("posts", posts)
    await loader.insert("deliveries", deliveries)
    await loader.close()


def floor_seconds(per_channel: list[int], channel: Pace, workspace: Pace) -> float:
    """The least time from the first post to the last that the fake's buckets allow for
    ``per_channel[i]`` messages to channel i: each bucket takes its burst at once, then
    one message per 1/rate; the slowest bucket sets the floor."""

    def bucket(messages: int, pace: Pace) -> float:
        return max(0.0, (messages - pace.burst) / pace.per_second)

    busiest = max(per_channel, default=0)
    return max(bucket(sum(per_channel), workspace), bucket(busiest, channel))


async def measure(
    folder: Path,
    quick: bool,
    workspace: Pace = WORKSPACE_PACE,
) -> dict[str, Any]:
    channels = 200 if quick else 2_000
    database = folder / "fanout.db"
    await _queue_drills(database, channels)
    floor = floor_seconds([1] * channels, CHANNEL_PACE, workspace)
    async with FakeSlack(channel_pace=CHANNEL_PACE, workspace_pace=workspace) as fake:
        fake.add_user(ADMIN, "boss", is_admin=True)
        bot = await start_bot(fake, database)
        posted = _all_posted(fake, channels)
        try:
            # until every channel has its question, or nothing new arrived for 20 s
            while not posted():
                try:
                    await fake.wait_for(posted.beyond(posted.count), within=20)
                except AssertionError:
                    break  # stalled: what is missing counts as lost
        finally:
            _, rss = await bot.stop()
        accepted = [c for c in fake.calls_to("chat.postMessage") if c.status == 200]
        refused = len(fake.calls_to("chat.postMessage", status=429))
        first = min((c.at for c in fake.calls_to("chat.postMessage")), default=0.0)
        last = max((c.at for c in accepted), default=first)
    seconds = last - first
    reached = {c.args.get("channel") for c in accepted}
    lost = channels - len(reached)
    doubled = len(accepted) - len(reached)  # a channel shown its question more than once
    say(
        f"fan-out: {channels} channels in {seconds:.1f} s (floor {floor:.1f} s), "
        f"{lost} lost, {doubled} doubled, {refused} refused with 429"
    )
    return {
        "channels": channels,
        "seconds": seconds,
        "floor_s": floor,
        "ratio": seconds / floor if floor else float("nan"),
        "lost": lost,
        "doubled": doubled,
        "refused_429": refused,
        "workspace_rate": workspace.per_second,
        "workspace_burst": workspace.burst,
        "peak_rss_mb_bot": rss,
    }


class _all_posted:  # noqa: N801 (used as a predicate, like a function)
    """A predicate the fake re-checks on every call: each channel has its question."""

    def __init__(self, fake: FakeSlack, channels: int) -> None:
        self.fake = fake
        self.channels = channels
        self.seen: set[Any] = set()
        self.checked = 0

    @property
    def count(self) -> int:
        return len(self.seen)

    def beyond(self, count: int) -> Callable[[], bool]:
        """A predicate: done, or more channels posted than `count`."""
        return lambda: self() or len(self.seen) > count

    def __call__(self) -> bool:
        calls = self.fake.calls
        for call in calls[self.checked :]:
            if call.method == "chat.postMessage" and call.status == 200:
                self.seen.add(call.args.get("channel"))
        self.checked = len(calls)
        return len(self.seen) >= self.channels


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.fanout --rate 50 --burst 10`: the fan-out alone against a workspace
    cap other than the one the bot assumes (its pacer must learn it from 429s)."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=main.__doc__)
    parser.add_argument("--rate", type=float, default=WORKSPACE_RATE, help="messages/s")
    parser.add_argument("--burst", type=int, default=WORKSPACE_BURST)
    parser.add_argument("--quick", action="store_true", help="200 channels, not 2,000")
    args = parser.parse_args(argv)
    workspace = Pace(per_second=args.rate, burst=args.burst)
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(measure(Path(folder), args.quick, workspace))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
