"""Score tables always equal the aggregate of the answer log, whatever happened in between."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.errors import AlreadyAnswered
from bot.core.ports import Repository
from bot.core.records import AnswerRecord, BoardRow, NewPost, QuestionRow
from bot.core.schedules import local_date, week_bounds
from bot.core.srs import new_card
from bot.storage.tables import scores_all, scores_week

from .backends import Backend

# Three weeks around Europe's switch to summer time (2026-03-29), so weeks and DST meet.
START = datetime(2026, 3, 19, 21, 30, tzinfo=UTC)
SPAN_MINUTES = 21 * 24 * 60
MONDAYS = (datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC))
# Half the answers fall within 14 hours of a Monday 00:00 UTC: where zones disagree on
# the week, so a zone change moves them.
minutes = st.one_of(
    st.integers(0, SPAN_MINUTES),
    st.builds(
        lambda monday, offset: int((monday - START).total_seconds() // 60) + offset,
        st.sampled_from(MONDAYS),
        st.integers(-14 * 60, 14 * 60),
    ),
)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")
NAMES = ("Ana", "ana", "Bo", "Zoë", "Émile", "Bo")  # ties by name, and code-point order
LEARNERS, TENANTS, POSTS = 4, 2, 4

answer_op = st.tuples(
    st.just("answer"),
    st.integers(0, LEARNERS - 1),
    st.integers(0, TENANTS - 1),
    st.one_of(st.none(), st.integers(0, POSTS - 1)),  # None: a personal review
    st.booleans(),
    minutes,
    st.booleans(),  # through log_answer (with its card) or add_answer
)
operations = st.lists(
    st.one_of(
        answer_op,
        answer_op,
        answer_op,
        st.tuples(st.just("rename"), st.integers(0, LEARNERS - 1), st.sampled_from(NAMES)),
        st.tuples(st.just("zone"), st.integers(0, TENANTS - 1), st.sampled_from(ZONES)),
        st.tuples(st.just("forget"), st.integers(0, LEARNERS - 1)),
    ),
    min_size=8,
    max_size=40,
)
_examples = itertools.count()


@dataclass
class World:
    """One example's tenants, learners and posts (fresh ids: examples share a database)."""

    tenants: list[int] = field(default_factory=list)
    zones: dict[int, str] = field(default_factory=dict)
    learners: dict[int, int | None] = field(default_factory=dict)  # number -> id (None: gone)
    users: dict[int, str] = field(default_factory=dict)
    posts: dict[tuple[int, int], int] = field(default_factory=dict)


async def _world(repo: Repository, zones: tuple[str, str]) -> World:
    n = next(_examples)
    world = World()
    async with repo.unit() as u:
        await u.sync_questions([QuestionRow("q1", "c", "h")])
        for t in range(TENANTS):
            tenant = await u.ensure_tenant("test", f"t{n}-{t}", zones[t])
            world.tenants.append(tenant.id)
            world.zones[tenant.id] = zones[t]
            for p in range(POSTS):
                kind = "drill" if p % 2 else "quiz"
                post = await u.create_post(
                    NewPost(kind, tenant.id, "#c", "q1", START, START + timedelta(days=30))
                )
                assert post is not None
                world.posts[(t, p)] = post.id
        for number in range(LEARNERS):
            world.users[number] = f"u{n}-{number}"
            learner = await u.ensure_learner("test", world.users[number], NAMES[number])
            world.learners[number] = learner.id
    return world


async def _apply(repo: Repository, world: World, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "answer":
        _, number, t, post, correct, minutes, with_card = op
        learner = world.learners[number]
        if learner is None:
            return
        at = START + timedelta(minutes=minutes)
        record = AnswerRecord(
            learner_id=learner,
            question_id="q1",
            tenant_id=world.tenants[t],
            channel="#c",
            post_id=None if post is None else world.posts[(t, post)],
            choice=0 if correct else 1,
            correct=correct,
            latency_ms=1000,
            rating=3 if correct else 1,
            points=(10 if post is not None else 0) if correct else 0,
            answered_at=at,
        )
        try:
            async with repo.unit() as u:
                if with_card:
                    await u.log_answer(record, new_card(at))
                else:
                    await u.add_answer(record)
        except AlreadyAnswered:
            pass
    elif kind == "rename":
        _, number, name = op
        if world.learners[number] is not None:
            async with repo.unit() as u:
                await u.ensure_learner("test", world.users[number], name)
    elif kind == "zone":
        _, t, zone = op
        async with repo.unit() as u:
            await u.set_tenant_timezone(world.tenants[t], zone, explicit=True)
        world.zones[world.tenants[t]] = zone
    elif kind == "forget":
        _, number = op
        learner = world.learners[number]
        if learner is not None:
            async with repo.unit() as u:
                await u.delete_learner(learner)
            world.learners[number] = None


def _week(instant: datetime, zone: str) -> date:
    day = local_date(instant, zone)
    return day - timedelta(days=day.weekday())


async def _expected(repo: Repository, world: World) -> tuple[set[Any], set[Any]]:
    """The score rows the answer log implies, summed in Python."""
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    weekly: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    async with repo.unit(readonly=True) as u:
        for learner in filter(None, world.learners.values()):
            for a in await u.answers_of(learner):
                if a.tenant_id not in world.zones:
                    continue
                name = a.learner_name
                counts = (a.points, int(a.correct), 1)
                for key, table in (
                    ((a.tenant_id, a.learner_id, name), totals),
                    (
                        (
                            a.tenant_id,
                            _week(a.answered_at, world.zones[a.tenant_id]),
                            a.learner_id,
                            name,
                        ),
                        weekly,
                    ),
                ):
                    table[key] = [x + y for x, y in zip(table[key], counts, strict=True)]
    return (
        {(*k, *v) for k, v in totals.items()},
        {(*k, *v) for k, v in weekly.items()},
    )


async def _stored(backend: Backend, world: World) -> tuple[set[Any], set[Any]]:
    async with backend.engine.connect() as connection:
        every = await connection.execute(
            select(
                scores_all.c.tenant_id,
                scores_all.c.learner_id,
                scores_all.c.display_name,
                scores_all.c.points,
                scores_all.c.correct,
                scores_all.c.answered,
            ).where(scores_all.c.tenant_id.in_(world.tenants))
        )
        weeks = await connection.execute(
            select(
                scores_week.c.tenant_id,
                scores_week.c.week_start,
                scores_week.c.learner_id,
                scores_week.c.display_name,
                scores_week.c.points,
                scores_week.c.correct,
                scores_week.c.answered,
            ).where(scores_week.c.tenant_id.in_(world.tenants))
        )
        return {tuple(r) for r in every}, {tuple(r) for r in weeks}


def _board(rows: set[Any], learners: dict[int, str]) -> list[BoardRow]:
    """Best first: points, correct, name by code point, learner id (as the port says)."""
    board = [BoardRow(r[-5], r[-4], r[-3], r[-2], r[-1], learners[r[-5]]) for r in rows]
    return sorted(board, key=lambda b: (-b.points, -b.correct, b.display_name, b.learner_id))


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, zones=st.tuples(st.sampled_from(ZONES), st.sampled_from(ZONES)))
async def test_score_tables_equal_the_aggregate_of_the_log(
    backend: Backend, repo: Repository, ops: list[tuple[Any, ...]], zones: tuple[str, str]
) -> None:
    """After any mix of answers (repeats refused), renames, zone changes and forgotten
    learners, the all-time and weekly score rows are the log's sums, and the boards
    read from them are the log's boards."""
    world = await _world(repo, zones)
    for op in ops:
        await _apply(repo, world, op)
    expected_all, expected_weeks = await _expected(repo, world)
    stored_all, stored_weeks = await _stored(backend, world)
    assert stored_all == expected_all
    assert stored_weeks == expected_weeks

    ids = {lid: world.users[n] for n, lid in world.learners.items() if lid}
    assert len(ids) <= LEARNERS
    async with repo.unit(readonly=True) as u:
        for tenant in world.tenants:
            mine = {r for r in expected_all if r[0] == tenant}
            assert await u.leaderboard(tenant, None, None, 100) == _board(mine, ids)
            zone = world.zones[tenant]
            for week in {r[1] for r in expected_weeks if r[0] == tenant}:
                since, until = week_bounds(
                    datetime.combine(week, datetime.min.time(), UTC) + timedelta(days=3), zone
                )
                rows = {r for r in expected_weeks if r[0] == tenant and r[1] == week}
                assert await u.leaderboard(tenant, since, until, 100) == _board(rows, ids)
