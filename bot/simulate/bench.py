"""Run every policy for every seed, each run in its own worker process on its own SQLite file.

The database is migrated once (bot.storage.engine.migrate: the real migrations)
into a template that each run copies, because Alembic cannot migrate several
databases at once in one process. The files go to /dev/shm when it exists: the
service commits (and syncs) after every answer, and a RAM disk keeps that cheap.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.simulate import POLICIES
from bot.simulate.group import RunResult

if TYPE_CHECKING:
    from bot.core.questions import QuestionBank
    from bot.simulate.memory import Cohort

FAST_DIR = Path("/dev/shm")


@dataclass(frozen=True)
class Plan:
    learners: int = 30
    per_day: int = 10
    days: int = 30
    seeds: tuple[int, ...] = (1, 2, 3)
    participation: float = 0.7
    policies: tuple[str, ...] = POLICIES
    jobs: int = 2  # worker processes; 1 runs everything in this process
    db_dir: Path | None = None


def database_dir(plan: Plan) -> Path:
    if plan.db_dir is not None:
        return plan.db_dir
    if FAST_DIR.is_dir() and os.access(FAST_DIR, os.W_OK):
        return FAST_DIR
    return Path(tempfile.gettempdir())


def run_plan(plan: Plan, progress: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Every (policy, seed) run of the plan plus the ceiling per seed, in a stable order."""
    from bot.storage.engine import migrate

    folder = Path(tempfile.mkdtemp(prefix="studybot-sim-", dir=database_dir(plan)))
    try:
        template = folder / "template.db"
        asyncio.run(migrate(f"sqlite+aiosqlite:///{template}"))
        jobs = [(policy, seed) for seed in plan.seeds for policy in plan.policies]
        jobs += [("ceiling", seed) for seed in plan.seeds]
        if plan.jobs <= 1:
            results = []
            for policy, seed in jobs:
                results.append(run_one(plan, policy, seed, template))
                if progress:
                    progress(results[-1])
            return results
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=plan.jobs, mp_context=context) as pool:
            futures = [pool.submit(run_one, plan, policy, seed, template) for policy, seed in jobs]
            results = []
            for future in futures:
                results.append(future.result())
                if progress:
                    progress(results[-1])
            return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_one(plan: Plan, policy: str, seed: int, template: Path) -> RunResult:
    """One run (a worker process's job): a copy of the migrated template, the real service."""
    from bot.config import SHIPPED_QUESTIONS
    from bot.core.packs import load_bank
    from bot.simulate.ceiling import run_ceiling
    from bot.simulate.memory import make_cohort

    started = time.perf_counter()
    bank, _ = load_bank(SHIPPED_QUESTIONS, [])
    questions = [(q.id, q.concept, q.difficulty) for q in bank.questions]
    cohort = make_cohort(plan.learners, questions, seed, plan.participation)
    if policy == "ceiling":
        concept_of = {q.id: q.concept for q in bank.questions}
        result = run_ceiling(cohort, concept_of, seed, plan.days, plan.per_day)
    else:
        path = template.with_name(f"{policy}-{seed}.db")
        shutil.copyfile(template, path)
        try:
            result = asyncio.run(_run_group(plan, policy, seed, path, cohort, bank))
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    result.seconds = time.perf_counter() - started
    return result


async def _run_group(
    plan: Plan, policy: str, seed: int, path: Path, cohort: Cohort, bank: QuestionBank
) -> RunResult:
    from bot.simulate.group import Group
    from bot.storage.engine import create_engine
    from bot.storage.repository import SqlRepository

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        group = Group(policy, cohort, bank, SqlRepository(engine), seed, plan.per_day)
        return await group.run(plan.days)
    finally:
        await engine.dispose()
