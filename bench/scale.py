"""Parts 4 and 5: boards, stats and the drill pick on a big history.

`generate` writes two data sets per database with raw SQL: "one" (a single
tenant) and "twenty" (twenty tenants), each with 1,000,000 answers from 50,000
learners over eight weeks (the quick run: a tenth). In "one", 35,000 learners
answered in channel C0 within the last 14 days: the drill pick's "recent
learners". The data set is written into a database at revision 0002 and then
migrated to head, so any later migration runs its backfill over it (timed).

`reads` measures /leaderboard (week, all) and /stats through the service, and
answers while boards are read in a loop; `drill` posts a drill in C0.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.common import Latencies, build_service, median, pooled, say, shipped_bank
from bench.db import Database, fresh, upgrade
from bench.loader import Loader
from bot.core.ports import Place, Who
from bot.storage import SqlRepository, create_engine

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")
CHANNELS = 5
DAYS = 56
RECENT_DAYS = 14
LIVE_POSTS = 50  # open drill posts in tenant 0's channel CLIVE, for answering during reads
LIVE_CHANNEL = "CLIVE"
BASE_REVISION = "0002"  # the schema the raw rows are written for


@dataclass(frozen=True)
class Size:
    learners: int
    answers: int
    recent: int  # learners of tenant 0 who answered in C0 within RECENT_DAYS (layout "one")


FULL = Size(50_000, 1_000_000, 35_000)
QUICK = Size(5_000, 100_000, 3_500)
LAYOUTS = {"one": 1, "twenty": 20}


def _manifest(folder: Path, kind: str) -> Path:
    return folder / f"datasets-{kind}.json"


async def generate(kind: str, folder: Path, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    # the two layouts at once: the statements run in SQLite's threads or the Postgres server
    found = await asyncio.gather(
        *(_generate(kind, folder, size, layout, tenants) for layout, tenants in LAYOUTS.items())
    )
    made = dict(zip(LAYOUTS, found, strict=True))
    _manifest(folder, kind).write_text(json.dumps({"size": size.__dict__, "layouts": made}))
    return {"size": size.__dict__, "layouts": made}


async def _generate(
    kind: str, folder: Path, size: Size, layout: str, tenants: int
) -> dict[str, Any]:
    started = time.perf_counter()
    database = await fresh(kind, folder, f"scale_{layout}", revision=BASE_REVISION)
    counts = await _load(database, size, tenants)
    loaded = time.perf_counter() - started
    begun = time.perf_counter()
    await upgrade(database.url, "head")
    migrated = time.perf_counter() - begun
    say(f"{kind} data set '{layout}': {counts} in {loaded:.1f} s, migrate {migrated:.1f} s")
    return {
        "url": database.url,
        "path": str(database.path) if database.path else None,
        "schema": database.schema,
        "tenants": tenants,
        "rows": counts,
        "load_s": loaded,
        "migrate_to_head_s": migrated,
    }


async def cleanup(kind: str, folder: Path) -> dict[str, Any]:
    manifest = json.loads(_manifest(folder, kind).read_text())
    for layout in manifest["layouts"].values():
        await _database(kind, layout).drop()
    return {}


def _database(kind: str, layout: dict[str, Any]) -> Database:
    path = Path(layout["path"]) if layout["path"] else None
    return Database(kind, layout["url"], path=path, schema=layout["schema"])


async def _load(database: Database, size: Size, tenant_count: int) -> dict[str, int]:
    """Small tables from Python; answers and cards by INSERT ... SELECT over a number series.

    Answer i belongs to learner i // per (per = answers / learners), who answers `per`
    distinct daily posts of their tenant (i % tenants). The post slots are spread by
    arithmetic so that every learner's slots differ; in layout "one" the first
    `recent` learners answered exactly one post of channel C0 within the last 14 days
    and the others none, which makes C0's recent learners exactly `recent`.
    """
    bank = shipped_bank()
    now = int(time.time())
    loader = await Loader(database).open()
    nine: Any = "09:00:00" if database.kind == "sqlite" else clock_time(9, 0)
    await loader.insert(
        "questions", [(q.id, q.concept, q.content_hash(), True) for q in bank.questions]
    )
    await loader.insert(
        "tenants",
        [
            (t + 1, "slack", f"T{t}", ZONES[t % len(ZONES)], True, 0, nine)
            for t in range(tenant_count)
        ],
    )
    await loader.insert(
        "learners",
        [(n + 1, "slack", f"U{n:05d}", f"learner {n:05d}") for n in range(size.learners)],
    )
    slots = CHANNELS * DAYS
    posts = []
    for t in range(tenant_count):
        for slot in range(slots):
            post_id = t * slots + slot + 1
            opens = _instant(now - (slot % DAYS) * 86_400 - 3 * 3600)
            question = bank.questions[_question_of(post_id, len(bank.questions))].id
            posts.append(_post(post_id, t, f"C{slot // DAYS}", question, opens))
    for n in range(LIVE_POSTS):
        question = bank.questions[n % len(bank.questions)].id
        opens = _instant(now - 60)
        live = _post(len(posts) + 1, 0, LIVE_CHANNEL, question, opens)
        posts.append(live[:7] + (opens + timedelta(days=2),) + live[8:])
    await loader.insert("posts", posts)
    await loader.insert_numbered(
        "bench_questions",
        ("qn", "id", "answer", "choices"),
        [(i, q.id, q.answer, len(q.choices)) for i, q in enumerate(bank.questions)],
    )
    per = size.answers // size.learners
    assert per <= 20, "the slot arithmetic keeps at most 20 answers per learner distinct"
    recent = size.recent if tenant_count == 1 else 0
    # The slot of learner n's k-th answer. Layout "one": slots 0..13 are C0's last 14 days.
    if tenant_count == 1:
        slot = (
            f"CASE WHEN n < {recent} AND k = 0 THEN n % {RECENT_DAYS}"
            f" ELSE {RECENT_DAYS} + (n * 7 + k * 13) % {slots - RECENT_DAYS} END"
        )
    else:
        slot = f"(n * 7 + k * 14) % {slots}"
    post = f"(n % {tenant_count}) * {slots} + {slot} + 1"
    opens = f"{now} - ({slot} % {DAYS}) * 86400 - 10800"
    spread = "5 + (i * 2654435761) % 10735"  # seconds after the post opened
    sql = loader.dialect
    answered = sql.least(f"{opens} + {spread}", str(now - 1))
    values = f"""
        SELECT i + 1, n + 1, q.id, n % {tenant_count} + 1, 'C' || ({slot} / {DAYS}), {post},
               CASE WHEN {sql.correct} THEN q.answer ELSE (q.answer + 1) % q.choices END,
               {sql.correct}, ({answered} - ({opens})) * 1000,
               CASE WHEN {sql.correct} THEN 3 ELSE 1 END,
               CASE WHEN {sql.correct} THEN 10 ELSE 0 END, {sql.instant(answered)}
        FROM (SELECT i, i / {per} AS n, i % {per} AS k FROM {sql.series(size.answers)}) AS a
        JOIN bench_questions AS q
          ON q.qn = ((n % {tenant_count}) * {slots} + {slot} + 1) * 7 % {len(bank.questions)}
    """
    answers = await loader.insert_select("answers", values)
    # A learner's posts all ask different questions (7 is invertible modulo the bank's
    # size and a tenant has fewer daily posts than questions), so one card per answer.
    days = "1 + (id * 31) % 40"
    cards_sql = f"""
        SELECT learner_id, question_id, 2, NULL, {days}, 2 + (learner_id % 6),
               {sql.plus_days("answered_at", days)}, answered_at, 1, 0
        FROM answers
    """
    cards = await loader.insert_select("cards", cards_sql, with_id=False)
    await loader.execute("DROP TABLE bench_questions")
    await loader.close()
    return {"answers": answers, "cards": cards, "learners": size.learners, "posts": len(posts)}


def _question_of(post_id: int, questions: int) -> int:
    """The question of a daily post (the answers' SQL uses the same formula)."""
    return post_id * 7 % questions


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _post(
    post_id: int, tenant: int, channel: str, question: str, opens: datetime
) -> tuple[Any, ...]:
    closes = opens + timedelta(hours=3)
    revealed = closes if closes < datetime.now(UTC) else None
    return (post_id, "drill", tenant + 1, channel, question, f"m{post_id}", opens, closes) + (
        revealed,
        None,
        None,
        None,
        None,
    )


async def _timed(call: Any, count: int, cap: float) -> Latencies:
    """`count` sequential calls (two untimed warm-ups first), stopping early at the cap."""
    for _ in range(2):
        await call()
    result = Latencies()
    started = time.perf_counter()
    for _ in range(count):
        if time.perf_counter() - started > cap:
            break
        begun = time.perf_counter()
        try:
            await call()
        except Exception as error:  # counted
            result.fail(error)
        else:
            result.seconds.append(time.perf_counter() - begun)
    result.elapsed = time.perf_counter() - started
    return result


async def reads(kind: str, folder: Path, quick: bool) -> dict[str, Any]:
    manifest = json.loads(_manifest(folder, kind).read_text())
    size = Size(**manifest["size"])
    out: dict[str, Any] = {}
    for layout, found in manifest["layouts"].items():
        engine = create_engine(found["url"])
        try:
            service = build_service(SqlRepository(engine))
            out[layout] = await _layout_reads(service, kind, layout, found["tenants"], size, quick)
        finally:
            await engine.dispose()
    return out


async def _layout_reads(
    service: Any, kind: str, layout: str, tenants: int, size: Size, quick: bool
) -> dict[str, Any]:
    count, cap = (30, 5.0) if quick else (200, 20.0)
    rng = random.Random(4)

    def place() -> Place:
        return Place("slack", f"T{rng.randrange(tenants)}", "C0")

    async def week() -> None:
        await service.leaderboard(place(), "week")

    async def all_time() -> None:
        await service.leaderboard(place(), "all")

    async def stats() -> None:
        tenant = rng.randrange(tenants)
        n = rng.randrange(size.learners // tenants) * tenants + tenant
        who = Who("slack", f"U{n:05d}", f"learner {n:05d}")
        await service.stats(Place("slack", f"T{tenant}", "C0"), who)

    figures: dict[str, Any] = {}
    for name, call in (("week", week), ("all", all_time), ("stats", stats)):
        run = await _timed(call, count, cap)
        figures[name] = run.summary()
        say(f"{kind} {layout}: {name} p50 {figures[name]['p50_ms']:.1f} ms")
    if layout == "one":
        figures["answering"] = await _answering_during_reads(service, size, quick)
    return figures


async def _answering_during_reads(service: Any, size: Size, quick: bool) -> dict[str, Any]:
    """Ten answerers on the live posts, alone and while boards are read in a loop."""
    count = 100 if quick else 300
    live_first = CHANNELS * DAYS + 1  # the live posts follow the 280 daily posts of tenant 0
    place = Place("slack", "T0", LIVE_CHANNEL)
    rng = random.Random(9)
    learners = list(range(size.learners))
    rng.shuffle(learners)
    pairs: Iterator[tuple[int, int]] = iter(
        (live_first + post, n) for post in range(LIVE_POSTS) for n in learners
    )
    choices = {
        live_first + n: len(shipped_bank().questions[n % len(shipped_bank().questions)].choices)
        for n in range(LIVE_POSTS)
    }

    async def run() -> Latencies:
        result = Latencies()
        started = time.perf_counter()
        remaining = [count]

        async def answerer() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                post_id, n = next(pairs)
                who = Who("slack", f"U{n:05d}", f"learner {n:05d}")
                begun = time.perf_counter()
                await asyncio.sleep(0)  # arriving on its own, as a request would
                try:
                    await service.record_answer(place, who, post_id, n % choices[post_id])
                except Exception as error:  # counted
                    result.fail(error)
                else:
                    result.seconds.append(time.perf_counter() - begun)

        await asyncio.gather(*(answerer() for _ in range(10)))
        result.elapsed = time.perf_counter() - started
        return result

    boards = {"reads": 0, "failures": 0}

    async def reader(stop: asyncio.Event) -> None:
        periods = ("all", "week")
        while not stop.is_set():
            try:
                await service.leaderboard(place, periods[boards["reads"] % 2])
            except Exception:  # counted
                boards["failures"] += 1
            boards["reads"] += 1

    async def while_reading() -> Latencies:
        stop = asyncio.Event()
        reading = asyncio.create_task(reader(stop))
        await asyncio.sleep(0)
        try:
            return await run()
        finally:
            stop.set()
            await reading

    # alone and while reading, in turns: a p99 of a few hundred calls is one slow fsync
    # away from doubling, so the figure is the median of the turns' ratios
    alone: list[Latencies] = []
    during: list[Latencies] = []
    for _ in range(1 if quick else 3):
        alone.append(await run())
        during.append(await while_reading())
    a, d = pooled(alone), pooled(during)
    ratios = [
        x.summary()["p99_ms"] / y.summary()["p99_ms"] for x, y in zip(during, alone, strict=True)
    ]
    say(f"answering alone p99 {a['p99_ms']:.0f} ms, during board reads {d['p99_ms']:.0f} ms")
    return {
        "alone": a,
        "during_reads": d,
        "board_reads": boards,
        "p99_ratio": median(ratios),
        "p99_ratios": ratios,
    }


async def drill(kind: str, folder: Path, quick: bool) -> dict[str, Any]:
    manifest = json.loads(_manifest(folder, kind).read_text())
    found = manifest["layouts"]["one"]
    engine = create_engine(found["url"])
    service = build_service(SqlRepository(engine))
    place = Place("slack", "T0", "C0")
    manager = Who("slack", "UADMIN", "admin", can_manage=True)
    result = Latencies()
    try:
        for _ in range(2 if quick else 3):
            begun = time.perf_counter()
            try:
                await service.drill_now(place, manager)
            except Exception as error:  # counted: Postgres refused the pick before issue 10
                result.fail(error)
                say(f"{kind} drill failed: {type(error).__name__}: {str(error)[:120]}")
                break
            took = time.perf_counter() - begun
            result.seconds.append(took)
            say(f"{kind} drill posted in {took:.2f} s")
            if took > 10:
                break
    finally:
        await engine.dispose()
    return {"recent_learners": manifest["size"]["recent"], **result.summary()}
