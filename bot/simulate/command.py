"""`studybot simulate`: the simulated study group, its table and targets."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.simulate import POLICIES

if TYPE_CHECKING:
    from bot.simulate.group import RunResult


def add_simulate_parser(commands: Any) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="run a simulated study group through the real service (a model of memory)",
    )
    simulate.add_argument("--learners", type=int, default=30)
    simulate.add_argument("--per-day", type=int, default=10, help="questions a learner a day")
    simulate.add_argument("--days", type=int, default=30)
    simulate.add_argument("--seeds", type=int, default=3, help="runs per policy (seeds 1..N)")
    simulate.add_argument("--participation", type=float, default=0.7, help="drill turnout")
    simulate.add_argument("--jobs", type=int, default=2, help="worker processes")
    simulate.add_argument(
        "--policies", default=",".join(POLICIES), help="comma-separated, of " + ", ".join(POLICIES)
    )
    simulate.add_argument("--png", type=Path, help="write the recall chart here")
    simulate.add_argument("--markdown", type=Path, help="update the results section of this file")
    simulate.add_argument("--db-dir", type=Path, help="folder for the SQLite files")
    simulate.set_defaults(func=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    from bot.config import SHIPPED_QUESTIONS
    from bot.core.packs import load_bank
    from bot.simulate.bench import Plan, run_plan
    from bot.simulate.report import Summary, render_markdown, render_png, render_text, write_section

    policies = tuple(p.strip() for p in args.policies.split(",") if p.strip())
    unknown = [p for p in policies if p not in POLICIES]
    if unknown or not {"random", "studybot"} <= set(policies):
        print("studybot: --policies needs random and studybot, of " + ", ".join(POLICIES))
        return 2
    if args.per_day < 2 or args.learners < 1 or args.days < 1 or args.seeds < 1:
        print("studybot: --per-day must be at least 2; learners, days and seeds at least 1")
        return 2
    plan = Plan(
        learners=args.learners,
        per_day=args.per_day,
        days=args.days,
        seeds=tuple(range(1, args.seeds + 1)),
        participation=args.participation,
        policies=policies,
        jobs=args.jobs,
        db_dir=args.db_dir,
    )
    started = time.perf_counter()

    def progress(result: RunResult) -> None:
        print(
            f"  {result.policy} seed {result.seed}: day-30 recall {result.final:.3f}"
            f" ({result.answered} answers, {result.seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    results = run_plan(plan, progress)
    bank, _ = load_bank(SHIPPED_QUESTIONS, [])
    titles = {c.id: c.title for c in bank.concepts}
    if args.png:
        render_png(Summary(plan, results, titles, 0.0), args.png)
    summary = Summary(plan, results, titles, time.perf_counter() - started)
    print(render_text(summary))
    if args.markdown:
        command = "studybot " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["simulate"] else ""
        write_section(args.markdown, render_markdown(summary, command or "studybot simulate"))
    return 0
