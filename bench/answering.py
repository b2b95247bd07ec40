"""Parts 1 and 2: answers per second through the service against the raw driver's ceiling.

The service path is `StudyService.record_answer` (place checks, grading, FSRS,
points, persistence), on a database with 2,000 learners and one open drill
post per question of the shipped bank. The ceiling writes the same rows with
the plain driver into a second database migrated the same way: per answer one
transaction that selects the card, upserts it and inserts the answer (SQLite:
`sqlite3`, WAL, synchronous=FULL as the bot; Postgres: asyncpg, prepared). On
SQLite a second, informational ceiling also writes the two score rows the service
keeps with each answer, so the table shows what of the gap is those rows' own
cost in SQLite (B-trees, WAL pages) and what is the service's.

Every repetition runs the ceiling and the service one after the other, so the
machine's noise hits both (serially in short turns, see in_turns); the ratio
reported is the median of the per-repetition ratios. Concurrent answerers are
tasks on one event loop, as a bot process has.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Latencies, build_service, median, pooled, say, shipped_bank
from bench.db import Database, fresh, sqlite_instant
from bench.loader import Loader
from bot.core.ports import Place, Who
from bot.storage import SqlRepository, create_engine

LEARNERS = 2_000
TENANT = ("slack", "TBENCH")
CHANNEL = "CBENCH"
POSTGRES_POOL = 15  # SQLAlchemy's default pool: 5 connections plus 10 overflow
WARM_UP = 20
SERIAL_TURNS = 10  # a repetition's serial answers come in this many turns per answerer

Pair = tuple[int, int, int]  # (post id, learner number, choice)


def workload(seed: int = 11) -> Iterator[Pair]:
    """Every learner answers every post once, a post's burst of learners after another's."""
    bank = shipped_bank()
    rng = random.Random(seed)
    order = list(range(len(bank.questions)))
    rng.shuffle(order)
    for index in order:
        question = bank.questions[index]
        learners = list(range(LEARNERS))
        rng.shuffle(learners)
        for learner in learners:
            yield index + 1, learner, rng.randrange(len(question.choices))


async def populate(database: Database, now: datetime) -> None:
    """Questions, one tenant, the learners and one open drill post per question."""
    bank = shipped_bank()
    loader = await Loader(database).open()
    await loader.insert(
        "questions", [(q.id, q.concept, q.content_hash(), True) for q in bank.questions]
    )
    await loader.insert("tenants", [(1, *TENANT, "UTC", False, 0, _nine(database))])
    await loader.insert(
        "learners", [(n + 1, "slack", f"U{n:05d}", f"learner {n}") for n in range(LEARNERS)]
    )
    opens, closes = now - timedelta(minutes=1), now + timedelta(days=1)
    await loader.insert(
        "posts",
        [
            (i + 1, "drill", 1, CHANNEL, q.id, f"m{i + 1}", opens, closes)
            + (None, None, None, None, None)
            for i, q in enumerate(bank.questions)
        ],
    )
    await loader.close()


def _nine(database: Database) -> Any:
    from datetime import time as clock_time

    return "09:00:00" if database.kind == "sqlite" else clock_time(9, 0)


class ServiceRun:
    def __init__(self, database: Database) -> None:
        self.engine = create_engine(database.url)
        self.service = build_service(SqlRepository(self.engine))
        self.place = Place("slack", TENANT[1], CHANNEL)

    async def answer(self, pair: Pair) -> None:
        post_id, learner, choice = pair
        who = Who("slack", f"U{learner:05d}", f"learner {learner}")
        await self.service.record_answer(self.place, who, post_id, choice)

    async def close(self) -> None:
        await self.engine.dispose()


class RawSqlite:
    """The ceiling: the same rows with the plain sqlite3 module, one transaction each."""

    def __init__(self, database: Database) -> None:
        self.connection = database.raw_sqlite()
        self.questions = [q.id for q in shipped_bank().questions]

    async def answer(self, pair: Pair) -> None:
        post_id, learner, choice = pair
        question = self.questions[post_id - 1]
        now = datetime.now(UTC)
        at = sqlite_instant(now)
        due = sqlite_instant(now + timedelta(days=1))
        db = self.connection
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(SELECT_CARD_SQLITE, (learner + 1, question)).fetchone()
            db.execute(
                UPSERT_CARD_SQLITE, (learner + 1, question, 2, None, 2.3, 5.1, due, at, 1, 0)
            )
            db.execute(
                INSERT_ANSWER_SQLITE,
                (learner + 1, question, 1, CHANNEL, post_id, choice, choice == 0, 900, 3, 10, at),
            )
            self.more(learner + 1, choice == 0, now)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def more(self, learner_id: int, correct: bool, now: datetime) -> None:
        """Rows beyond the issue's ceiling (none here; see RawSqliteScored)."""

    async def close(self) -> None:
        self.connection.close()


class RawSqliteScored(RawSqlite):
    """An informational ceiling: the same rows plus the two score rows the service keeps
    with every answer (all-time and weekly, as one upsert each, the new row's name read
    from learners): what the plain driver needs for everything the service writes."""

    def more(self, learner_id: int, correct: bool, now: datetime) -> None:
        points = 10 if correct else 0
        week = (now.date() - timedelta(days=now.weekday())).isoformat()  # the tenant is UTC
        self.connection.execute(BUMP_ALL_SQLITE, (learner_id, 1, learner_id, points, correct))
        self.connection.execute(
            BUMP_WEEK_SQLITE, (learner_id, 1, week, learner_id, points, correct)
        )


SELECT_CARD_SQLITE = (
    "SELECT id, state, step, stability, difficulty, due, last_review, reps, lapses"
    " FROM cards WHERE learner_id = ? AND question_id = ?"
)
UPSERT_CARD_SQLITE = (
    "INSERT INTO cards (learner_id, question_id, state, step, stability, difficulty, due,"
    " last_review, reps, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (learner_id, question_id) DO UPDATE SET state = excluded.state,"
    " step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty,"
    " due = excluded.due, last_review = excluded.last_review, reps = excluded.reps,"
    " lapses = excluded.lapses"
)
INSERT_ANSWER_SQLITE = (
    "INSERT INTO answers (learner_id, question_id, tenant_id, channel, post_id, choice, correct,"
    " latency_ms, rating, points, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
BUMP_ALL_SQLITE = (
    "INSERT INTO scores_all (learner_id, tenant_id, display_name, points, correct, answered)"
    " VALUES (?, ?, (SELECT display_name FROM learners WHERE id = ?), ?, ?, 1)"
    " ON CONFLICT (learner_id, tenant_id) DO UPDATE SET"
    " points = scores_all.points + excluded.points,"
    " correct = scores_all.correct + excluded.correct, answered = scores_all.answered + 1"
)
BUMP_WEEK_SQLITE = (
    "INSERT INTO scores_week"
    " (learner_id, tenant_id, week_start, display_name, points, correct, answered)"
    " VALUES (?, ?, ?, (SELECT display_name FROM learners WHERE id = ?), ?, ?, 1)"
    " ON CONFLICT (learner_id, tenant_id, week_start) DO UPDATE SET"
    " points = scores_week.points + excluded.points,"
    " correct = scores_week.correct + excluded.correct, answered = scores_week.answered + 1"
)
SELECT_CARD_PG = (
    "SELECT id, state, step, stability, difficulty, due, last_review, reps, lapses"
    " FROM cards WHERE learner_id = $1 AND question_id = $2"
)
UPSERT_CARD_PG = (
    "INSERT INTO cards (learner_id, question_id, state, step, stability, difficulty, due,"
    " last_review, reps, lapses) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    " ON CONFLICT (learner_id, question_id) DO UPDATE SET state = excluded.state,"
    " step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty,"
    " due = excluded.due, last_review = excluded.last_review, reps = excluded.reps,"
    " lapses = excluded.lapses"
)
INSERT_ANSWER_PG = (
    "INSERT INTO answers (learner_id, question_id, tenant_id, channel, post_id, choice, correct,"
    " latency_ms, rating, points, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
    " $11)"
)


class RawPostgres:
    """The ceiling on Postgres: asyncpg, prepared statements, one transaction per answer."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.questions = [q.id for q in shipped_bank().questions]
        self.pool: Any = None

    async def open(self, size: int) -> RawPostgres:
        self.pool = await self.database.raw_postgres_pool(size)
        return self

    async def answer(self, pair: Pair) -> None:
        post_id, learner, choice = pair
        question = self.questions[post_id - 1]
        now = datetime.now(UTC)
        async with self.pool.acquire() as db, db.transaction():
            await db.fetchrow(SELECT_CARD_PG, learner + 1, question)
            await db.execute(
                UPSERT_CARD_PG,
                learner + 1,
                question,
                2,
                None,
                2.3,
                5.1,
                now + timedelta(days=1),
                now,
                1,
                0,
            )
            await db.execute(
                INSERT_ANSWER_PG,
                learner + 1,
                question,
                1,
                CHANNEL,
                post_id,
                choice,
                choice == 0,
                900,
                3,
                10,
                now,
            )

    async def close(self) -> None:
        await self.pool.close()


async def drive(
    answer: Callable[[Pair], Awaitable[None]],
    pairs: Iterator[Pair],
    count: int,
    concurrency: int,
    cap_seconds: float,
) -> Latencies:
    """`count` answers by `concurrency` tasks taking the next pair; stops early at the cap."""
    result = Latencies()
    todo = itertools.islice(pairs, count)
    started = time.perf_counter()

    async def answerer() -> None:
        for pair in todo:
            if time.perf_counter() - started > cap_seconds:
                return
            # each answer arrives on its own, as a request would, and waits its turn on
            # the loop (counted: a caller would wait too); without that, an answer that
            # never waits would let one task run them all back to back
            begun = time.perf_counter()
            await asyncio.sleep(0)
            try:
                await answer(pair)
            except Exception as error:  # counted: a failure is a figure of the benchmark
                result.fail(error)
            else:
                result.seconds.append(time.perf_counter() - begun)

    await asyncio.gather(*(answerer() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def in_turns(
    answerers: list[tuple[str, Callable[[Pair], Awaitable[None]], Iterator[Pair]]],
    count: int,
    cap_seconds: float,
) -> dict[str, Latencies]:
    """`count` serial answers from each answerer, taken in SERIAL_TURNS turns among them.

    The disk here syncs in about 0.2 ms or about 4 ms for seconds at a time: run one
    after the other, whichever ran during a slow spell looked slow. In short turns
    (a few milliseconds each, the first turn going to each in rotation) they meet the
    same disk.
    """
    found = {name: Latencies() for name, _, _ in answerers}
    size = max(1, count // SERIAL_TURNS)
    for turn in range(SERIAL_TURNS):
        for offset in range(len(answerers)):
            name, answer, pairs = answerers[(turn + offset) % len(answerers)]
            part = await drive(answer, pairs, size, 1, cap_seconds)
            total = found[name]
            total.seconds += part.seconds
            total.elapsed += part.elapsed
            for failure, times in part.failures.items():
                total.failures[failure] = total.failures.get(failure, 0) + times
    return found


async def measure(kind: str, folder: Path, quick: bool, reps: int) -> dict[str, Any]:
    serial_n = 40 if quick else 200
    burst_n = {10: 300, 100: 500} if quick else {10: 3_000, 100: 3_000}
    cap = 20.0 if quick else 60.0
    now = datetime.now(UTC)
    service_db = await fresh(kind, folder, "answers_service")
    raw_db: Database | None = None
    try:
        raw_db = await fresh(kind, folder, "answers_raw")
        await asyncio.gather(populate(service_db, now), populate(raw_db, now))
        runs, ratios = await _repetitions(service_db, raw_db, kind, reps, serial_n, burst_n, cap)
    finally:
        await service_db.drop()
        if raw_db is not None:
            await raw_db.drop()
    return {
        "learners": LEARNERS,
        "posts": len(shipped_bank().questions),
        "runs": {name: pooled(found) for name, found in runs.items()},
        "ratios": {name: median(values) for name, values in ratios.items()},
        "ratio_reps": ratios,
        "ceiling": "raw sqlite3, serial"
        if kind == "sqlite"
        else f"raw asyncpg (1 connection serial, a pool of {POSTGRES_POOL} concurrent)",
    }


async def _repetitions(
    service_db: Database,
    raw_db: Database,
    kind: str,
    reps: int,
    serial_n: int,
    burst_n: dict[int, int],
    cap: float,
) -> tuple[dict[str, list[Latencies]], dict[str, list[float]]]:
    service = ServiceRun(service_db)
    await service.service.sync_questions()
    raw_serial: Any = RawSqlite(raw_db) if kind == "sqlite" else await RawPostgres(raw_db).open(1)
    raw_scored = RawSqliteScored(raw_db) if kind == "sqlite" else None
    raw_pool: Any = None
    if kind == "postgres":
        raw_pool = await RawPostgres(raw_db).open(POSTGRES_POOL)
    service_pairs, raw_pairs = workload(), workload()
    runs: dict[str, list[Latencies]] = {}
    ratios: dict[str, list[float]] = {}

    def keep(name: str, run: Latencies) -> Latencies:
        runs.setdefault(name, []).append(run)
        return run

    try:
        # untimed: connections opened, statements compiled, caches warm on both sides
        await drive(raw_serial.answer, raw_pairs, WARM_UP, 1, cap)
        if raw_scored is not None:
            await drive(raw_scored.answer, raw_pairs, WARM_UP, 1, cap)
        await drive(service.answer, service_pairs, WARM_UP, 1, cap)
        serial: list[tuple[str, Callable[[Pair], Awaitable[None]], Iterator[Pair]]] = [
            ("raw_serial", raw_serial.answer, raw_pairs),
            ("service_serial", service.answer, service_pairs),
        ]
        if raw_scored is not None:
            serial.append(("raw_scored_serial", raw_scored.answer, raw_pairs))
        for rep in range(reps):
            found = await in_turns(serial, serial_n, cap)
            ceiling = keep("raw_serial", found["raw_serial"])
            ours = keep("service_serial", found["service_serial"])
            ratios.setdefault("serial", []).append(ours.rate / ceiling.rate)
            say(f"{kind} rep {rep + 1}: raw {ceiling.rate:.0f}/s, service {ours.rate:.0f}/s serial")
            if raw_scored is not None:
                scored = keep("raw_scored_serial", found["raw_scored_serial"])
                ratios.setdefault("serial_scored", []).append(ours.rate / scored.rate)
                say(f"{kind} rep {rep + 1}: raw with score rows {scored.rate:.0f}/s serial")
            for concurrency, count in burst_n.items():
                if raw_pool is not None:
                    ceiling = keep(
                        f"raw_c{concurrency}",
                        await drive(raw_pool.answer, raw_pairs, count, concurrency, cap),
                    )
                ours = keep(
                    f"service_c{concurrency}",
                    await drive(service.answer, service_pairs, count, concurrency, cap),
                )
                ratios.setdefault(f"c{concurrency}", []).append(ours.rate / ceiling.rate)
                say(
                    f"{kind} rep {rep + 1}: {concurrency} answerers {ours.rate:.0f}/s, p99 "
                    f"{ours.summary()['p99_ms']:.0f} ms, {ours.failed} failed"
                )
    finally:
        await service.close()
        await raw_serial.close()
        if raw_scored is not None:
            await raw_scored.close()
        if raw_pool is not None:
            await raw_pool.close()
    return runs, ratios
