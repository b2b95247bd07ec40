"""`python -m bench [--quick]`: every figure of issue 10 beside its target.

Runs each part in a process of its own (bench/part.py), prints one table, writes
bench/results.json and ends with `targets met: N/M`. `--label before` also keeps
the run as bench/before.json, the baseline the chart and RESULTS.md compare with.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import clean
from bench.db import remove_folder, scratch_folder
from bench.targets import Row, evaluate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
QUICK_RESULTS = HERE / "results-quick.json"  # not kept in git: the record is a full run
BEFORE = HERE / "before.json"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gb = round(int(memory) / 1024 / 1024, 1)
    except OSError:
        memory_gb = float("nan")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


class Runner:
    def __init__(self, quick: bool, reps: int, timeout: float) -> None:
        self.quick = quick
        self.reps = reps
        self.timeout = timeout
        self.seconds: dict[str, float] = {}

    def command(self, name: str, kind: str, data: Path | None) -> list[str]:
        command = [sys.executable, "-m", "bench.part", name, kind, "--reps", str(self.reps)]
        if self.quick:
            command.append("--quick")
        if data is not None:
            command += ["--data", str(data)]
        return command

    def start(self, name: str, kind: str = "sqlite", data: Path | None = None) -> Any:
        print(f"[{name} {kind}]", file=sys.stderr, flush=True)
        return subprocess.Popen(
            self.command(name, kind, data), stdout=subprocess.PIPE, cwd=HERE.parent, text=True
        )

    def finish(self, process: Any, started: float) -> dict[str, Any] | None:
        name = " ".join(process.args[3:5])
        try:
            out, _ = process.communicate(timeout=max(1.0, self.timeout - (time.time() - started)))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            print("  timed out", file=sys.stderr)
            return None
        if process.returncode != 0:
            print(f"  failed with status {process.returncode}", file=sys.stderr)
            return None
        self.seconds[name] = time.time() - started
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else None

    def run(self, name: str, kind: str = "sqlite", data: Path | None = None) -> Any:
        return self.finish(self.start(name, kind, data), time.time())


def measure(args: argparse.Namespace, runner: Runner) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    wanted = set(args.parts.split(",")) if args.parts else {"1", "2", "3", "4", "5", "6", "7"}
    postgres = _postgres_up()
    kinds = ["sqlite", "postgres"] if postgres else ["sqlite"]
    if "1" in wanted:
        parts["answers_sqlite"] = runner.run("answers", "sqlite")
    if "2" in wanted and postgres:
        parts["answers_postgres"] = runner.run("answers", "postgres")
    if wanted & {"4", "5"}:
        data = scratch_folder()
        try:
            # both data sets at once: SQLite's is written by this machine's Python, Postgres's
            # by the server, so the two use the two cores
            started = time.time()
            makers = {kind: runner.start("dataset", kind, data) for kind in kinds}
            made = {kind: runner.finish(p, started) for kind, p in makers.items()}
            for kind in kinds:
                parts[f"dataset_{kind}"] = made[kind]
                if made[kind] is None:
                    continue
                if "4" in wanted:
                    parts[f"reads_{kind}"] = runner.run("reads", kind, data)
                if "5" in wanted:
                    parts[f"drill_{kind}"] = runner.run("drill", kind, data)
                runner.run("cleanup", kind, data)
        finally:
            remove_folder(data)
    if "7" in wanted:
        parts["startup"] = runner.run("startup")
    if "3" in wanted:
        parts["burst"] = runner.run("burst")
    if "6" in wanted:
        parts["fanout"] = runner.run("fanout")
    return parts


def _postgres_up() -> bool:
    import asyncio

    from bench.db import postgres_available

    return asyncio.run(postgres_available())


def print_table(rows: list[Row]) -> None:
    widths = [4, 62, 50, 18, 5]
    header = ("part", "what", "measured", "target", "met")
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        cells = (row.part, row.what, row.measured, row.target or "", met)
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5, quick 1)")
    parser.add_argument("--parts", help="comma-separated part numbers, e.g. 1,2,7")
    parser.add_argument("--label", default="run", help="'before' also writes bench/before.json")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per part")
    parser.add_argument(
        "--out", type=Path, help="default bench/results.json, bench/results-quick.json for --quick"
    )
    args = parser.parse_args(argv)
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    if args.out is None:
        args.out = QUICK_RESULTS if args.quick else RESULTS
    if args.timeout is None:
        args.timeout = 60.0 if args.quick else 400.0
    started = time.time()
    runner = Runner(args.quick, args.reps, args.timeout)
    parts = measure(args, runner)
    rows = evaluate(parts)
    counted = [row for row in rows if row.met is not None]
    met = sum(1 for row in counted if row.met)
    result = {
        "label": args.label,
        "mode": "quick" if args.quick else "full",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "seconds": time.time() - started,
        "part_seconds": runner.seconds,
        "parts": parts,
        "table": [row.__dict__ for row in rows],
        "targets_met": met,
        "targets": len(counted),
    }
    if args.label == "before":
        BEFORE.write_text(json.dumps(clean(result), indent=1, default=str))
    elif BEFORE.exists():
        result["before"] = json.loads(BEFORE.read_text())
    args.out.write_text(json.dumps(clean(result), indent=1, default=str))
    print()
    print_table(rows)
    took = ", ".join(f"{name} {s:.0f}" for name, s in runner.seconds.items())
    print(f"\nbench took {result['seconds']:.0f} s ({took}); results in {args.out}")
    print(f"targets met: {met}/{len(counted)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
