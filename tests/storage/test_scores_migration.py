"""Migration 0003 fills the score tables from an existing answer log; a current database
starts without loading Alembic."""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, select

from bot.core.schedules import local_date
from bot.storage import migrate
from bot.storage.engine import alembic_config, head_revision
from bot.storage.tables import answers, learners, posts, questions, scores_all, scores_week, tenants

from .backends import Backend, open_backend

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)  # a Friday; Europe moves its clocks on Sunday
ZONES = {1: "Europe/Berlin", 2: "America/New_York"}


def _to(revision: str, url: str) -> Any:
    def move(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    return move


def _log() -> list[dict[str, Any]]:
    """Sixty answers of three learners in two tenants, every 7 hours across two weeks."""
    rows = []
    for n in range(60):
        correct = n % 3 != 0
        rows.append(
            {
                "learner_id": 1 + n % 3,
                "question_id": "q1",
                "tenant_id": 1 + n % 2,
                "channel": "#c",
                "post_id": 1 + n % 2 if n < 2 else None,
                "choice": 0,
                "correct": correct,
                "latency_ms": 900,
                "rating": 3 if correct else 1,
                "points": 10 * correct,
                "answered_at": T0 + timedelta(hours=7 * n),
            }
        )
    return rows


def _week(instant: datetime, zone: str) -> date:
    day = local_date(instant, zone)
    return day - timedelta(days=day.weekday())


async def test_upgrading_a_log_backfills_the_score_tables(backend: Backend) -> None:
    """A database with answers at revision 0002, upgraded: its all-time and weekly score rows
    are the log's sums, weeks taken in each tenant's zone."""
    async with backend.engine.begin() as connection:
        await connection.run_sync(_to("0002", backend.url))
        await connection.execute(
            insert(questions), [{"id": "q1", "concept": "c", "content_hash": "h", "active": True}]
        )
        await connection.execute(
            insert(tenants).values(
                [
                    {"id": t, "platform": "test", "external_id": f"g{t}", "timezone": zone}
                    for t, zone in ZONES.items()
                ]
            )
        )
        await connection.execute(
            insert(learners).values(
                [
                    {"id": n, "platform": "test", "platform_user_id": f"u{n}", "display_name": name}
                    for n, name in ((1, "Ana"), (2, "Bo"), (3, "Zoë"))
                ]
            )
        )
        await connection.execute(
            insert(posts).values(
                [
                    {
                        "id": t,
                        "kind": "drill",
                        "tenant_id": t,
                        "channel": "#c",
                        "question_id": "q1",
                        "opens_at": T0,
                        "closes_at": T0 + timedelta(days=1),
                    }
                    for t in ZONES
                ]
            )
        )
        await connection.execute(insert(answers), _log())
    await migrate(backend.url)

    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    weeks: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    names = {1: "Ana", 2: "Bo", 3: "Zoë"}
    for a in _log():
        add = (a["points"], int(a["correct"]), 1)
        tenant, learner = a["tenant_id"], a["learner_id"]
        week = _week(a["answered_at"], ZONES[tenant])
        for table, key in ((totals, (tenant, learner)), (weeks, (tenant, week, learner))):
            table[key] = [x + y for x, y in zip(table[key], add, strict=True)]
    counts = ("points", "correct", "answered")
    async with backend.engine.connect() as connection:

        async def stored(table: Any, *keys: str) -> set[tuple[Any, ...]]:
            columns = (table.c[k] for k in (*keys, "display_name", *counts))
            return {tuple(r) for r in await connection.execute(select(*columns))}

        stored_all = await stored(scores_all, "tenant_id", "learner_id")
        stored_weeks = await stored(scores_week, "tenant_id", "week_start", "learner_id")
    assert stored_all == {(t, lid, names[lid], *v) for (t, lid), v in totals.items()}
    assert stored_weeks == {(t, w, lid, names[lid], *v) for (t, w, lid), v in weeks.items()}
    assert len({w for _, w, _ in weeks}) >= 3  # the log spans several weeks


def test_head_revision_is_alembics() -> None:
    """The head read from the migration files' headers is the one Alembic computes."""
    assert [head_revision()] == ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()


async def test_a_current_database_starts_without_alembic(tmp_path: Path) -> None:
    """Migrating a database already at head loads no Alembic (a start-up cost); a new one
    does, and is then at head."""
    backend = await open_backend("sqlite", tmp_path)
    await backend.cleanup()
    probe = (
        "import asyncio, sys; from bot.storage import migrate; "
        f"asyncio.run(migrate({backend.url!r})); print('alembic' in sys.modules)"
    )

    async def loaded() -> str:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", probe, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await child.communicate()
        assert child.returncode == 0
        return out.decode().strip()

    assert await loaded() == "False"
    fresh = tmp_path / "fresh.db"
    probe = probe.replace(str(tmp_path / "studybot.db"), str(fresh))
    assert await loaded() == "True"
    await migrate(f"sqlite+aiosqlite:///{fresh}")  # at head now: a no-op
