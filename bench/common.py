"""What every benchmark part shares: percentiles, peak memory, progress lines, the bot's parts."""

from __future__ import annotations

import json
import math
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config import SHIPPED_QUESTIONS
from bot.core.clock import Clock, SystemClock
from bot.core.packs import load_bank
from bot.core.ports import ChannelView, Place
from bot.core.questions import QuestionBank
from bot.core.service import CoreConfig, StudyService
from bot.core.timeline import ManualTimer
from bot.core.views import QuestionView
from bot.storage import SqlRepository


def say(text: str) -> None:
    """A progress line on stderr (stdout carries the part's JSON result)."""
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Latencies:
    """Per-call latencies (seconds) and failures of one measured run."""

    seconds: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def fail(self, error: BaseException) -> None:
        name = type(error).__name__
        self.failures[name] = self.failures.get(name, 0) + 1

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def rate(self) -> float:
        """Successful calls per second over the run's wall time."""
        return len(self.seconds) / self.elapsed if self.elapsed else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "calls": len(self.seconds) + self.failed,
            "per_s": self.rate,
            "p50_ms": percentile(self.seconds, 0.5) * 1000,
            "p99_ms": percentile(self.seconds, 0.99) * 1000,
            "max_ms": max(self.seconds, default=float("nan")) * 1000,
            "failures": self.failed,
            "failure_kinds": dict(self.failures),
        }


def pooled(runs: Sequence[Latencies]) -> dict[str, Any]:
    """Repetitions combined: median throughput, percentiles over every call, all failures."""
    every = [s for run in runs for s in run.seconds]
    kinds: dict[str, int] = {}
    for run in runs:
        for name, count in run.failures.items():
            kinds[name] = kinds.get(name, 0) + count
    return {
        "reps": len(runs),
        "calls": sum(len(r.seconds) + r.failed for r in runs),
        "per_s": median([r.rate for r in runs]),
        "p50_ms": percentile(every, 0.5) * 1000,
        "p99_ms": percentile(every, 0.99) * 1000,
        "max_ms": max(every, default=float("nan")) * 1000,
        "failures": sum(kinds.values()),
        "failure_kinds": kinds,
    }


def emit(result: dict[str, Any]) -> None:
    """The part's result: one JSON line on stdout, with this process's peak RSS."""
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(clean(result), default=str), flush=True)


def clean(value: Any) -> Any:
    """NaN is not JSON: None instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


class NullOutbox:
    """The benchmark measures the core and the database, not a platform."""

    async def post(self, place: Place, view: ChannelView) -> str:
        return "bench-message"

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        return None


_BANK: QuestionBank | None = None


def shipped_bank() -> QuestionBank:
    global _BANK
    if _BANK is None:
        _BANK, _ = load_bank(SHIPPED_QUESTIONS, [])
    return _BANK


def build_service(repo: SqlRepository, clock: Clock | None = None) -> StudyService:
    """The service as bot.app wires it, with a timer that keeps no alarms (nothing fires)."""
    clock = clock or SystemClock()
    timer = ManualTimer(clock, auto=False, active=False)
    service = StudyService(
        repo, shipped_bank(), clock, NullOutbox(), timer, CoreConfig(), random.Random(1)
    )
    timer.bind(service)
    return service
