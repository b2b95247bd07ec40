"""Part 3: a burst of signed button clicks through Slack's HTTP path to the real app.

studybot runs in HTTP mode (bench/slack.py). An admin posts a drill in each of 500
channels; then 2,000 learners click an answer on 5 posts each: 10,000 signed
block_actions requests, started evenly over about 5 seconds, each on its own, as
Slack would send them (bench.slack.Burst: encoded and signed beforehand, written on
kept-alive connections). Measured: how long each click waited for its
acknowledgement (Slack drops a click not acknowledged within 3 s), and, once the
bot is done, how many answers are in its database (each exactly once).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import percentile, say
from bench.slack import ADMIN, Burst, Signed, click, cpu_of, letters, post_drills, start_bot
from tests.harness.fake_slack import FakeSlack

ACK_LIMIT = 3.0


async def measure(folder: Path, quick: bool) -> dict[str, Any]:
    clicks, learners, posts, spread = (1_000, 200, 100, 2.0) if quick else (10_000, 2_000, 500, 5.0)
    per = clicks // learners
    database = folder / "burst.db"
    async with FakeSlack() as fake:
        fake.add_user(ADMIN, "boss", is_admin=True)
        bot = await start_bot(fake, database)
        sender = Signed(bot.url, fake.signing_secret)
        clicker = Burst(bot.url, fake.signing_secret)
        try:
            messages = await post_drills(fake, sender, [f"C{n:04d}" for n in range(posts)])
            say(f"burst: {len(messages)} drills posted; {clicks} clicks over {spread:.0f} s")
            plan = []
            for n in range(learners):
                for k in range(per):
                    message = messages[(n * 7 + k * (posts // per)) % posts]
                    choices = letters(message)
                    plan.append((message, choices[n % len(choices)], f"U{n:05d}"))
            random.Random(5).shuffle(plan)
            requests = [
                clicker.encode(click(message, letter, user, fake.response_url()))
                for message, letter, user in plan
            ]
            latencies: list[float] = []
            in_time: list[float] = []
            failures: Counter[str] = Counter()
            loop = asyncio.get_running_loop()

            async def send(request: bytes) -> None:
                try:
                    status, took = await clicker.send(request)
                except Exception as error:  # counted: a click that got no answer at all
                    failures[type(error).__name__] += 1
                    return
                latencies.append(took)
                if status != 200:  # bolt answers 404 to a click no listener acknowledged
                    failures[f"HTTP {status}"] += 1
                elif took < ACK_LIMIT:
                    in_time.append(took)

            started, (ran, waited) = loop.time(), cpu_of(bot.process.pid)
            load = os.getloadavg()[0]  # runnable processes, over the last minute
            sending: list[asyncio.Task[None]] = []
            for i, request in enumerate(requests):  # each click starts at its moment
                wait = started + i * spread / len(requests) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                sending.append(loop.create_task(send(request)))
            await asyncio.gather(*sending)
            sent = loop.time() - started
            # the machine is shared: how much CPU the bot had while the clicks came
            ran_after, waited_after = cpu_of(bot.process.pid)
            bot_ran, bot_waited = ran_after - ran, waited_after - waited
            expected = len({(m.ts, user) for m, _, user in plan})
            recorded, duplicates, done = await _recorded(database, expected, started, loop)
        finally:
            await sender.close()
            await clicker.close()
            status, bot_rss = await bot.stop()
    say(
        f"burst: p99 ack {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"{recorded}/{expected} recorded, bot peak RSS {bot_rss:.0f} MB; while the clicks "
        f"came ({sent:.1f} s) the bot ran {bot_ran:.1f} s and waited {bot_waited:.1f} s for a CPU"
    )
    return {
        "clicks": len(plan),
        "learners": learners,
        "posts": len(messages),
        "sent_over_s": sent,
        "bot_cpu_s_while_sent": bot_ran,
        "bot_waited_for_cpu_s_while_sent": bot_waited,
        "load_average_at_burst": load,
        "acked_in_time": len(in_time),
        "ack_p50_ms": percentile(latencies, 0.5) * 1000,
        "ack_p99_ms": percentile(latencies, 0.99) * 1000,
        "ack_max_ms": max(latencies, default=float("nan")) * 1000,
        "failures": dict(failures),
        "connections": clicker.most,
        "expected": expected,
        "recorded": recorded,
        "duplicates": duplicates,
        "recorded_within_s": done,
        "bot_exit": status,
        "peak_rss_mb_bot": bot_rss,
    }


async def _recorded(
    database: Path, expected: int, started: float, loop: asyncio.AbstractEventLoop
) -> tuple[int, int, float]:
    """Answers in the bot's database once it is done (all there, or no change for 10 s)."""

    def count() -> tuple[int, int]:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            (rows,) = db.execute("SELECT count(*) FROM answers").fetchone()
            (twice,) = db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM answers GROUP BY post_id, learner_id"
                " HAVING count(*) > 1)"
            ).fetchone()
        return int(rows), int(twice)

    last, since = -1, time.monotonic()
    while True:
        rows, twice = await asyncio.to_thread(count)
        if rows >= expected or time.monotonic() - since > 10:
            return rows, twice, loop.time() - started
        if rows != last:
            last, since = rows, time.monotonic()
        await asyncio.sleep(0.2)
