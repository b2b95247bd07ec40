"""Issue 10's targets, each judged against the figures of one run.

A row whose part did not run (or failed) still appears: "not measured", not met.
Rows with no target (met is None) are figures the issue asks to see, not to pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ANSWER_P99_MS = 250.0
READ_P99_MS = 10.0
DRILL_SECONDS = 1.0
RSS_MB = 200.0
ACK_LIMIT_MS = 3000.0


@dataclass
class Row:
    part: str
    what: str
    measured: str
    target: str | None
    met: bool | None


def _ms(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


class Table:
    def __init__(self, parts: dict[str, Any]) -> None:
        self.parts = parts
        self.rows: list[Row] = []

    def add(
        self,
        part: str,
        what: str,
        found: Any,
        show: Callable[[Any], str],
        target: str | None = None,
        judge: Callable[[Any], bool] | None = None,
    ) -> None:
        if found is None:
            self.rows.append(Row(part, what, "not measured", target, False if target else None))
            return
        met = judge(found) if judge is not None else None
        self.rows.append(Row(part, what, show(found), target, met))


def _run_text(run: dict[str, Any]) -> str:
    return (
        f"{run['per_s']:.0f}/s p50 {_ms(run['p50_ms'])} p99 {_ms(run['p99_ms'])}"
        f" fail {run['failures']}"
    )


def evaluate(parts: dict[str, Any]) -> list[Row]:
    table = Table(parts)
    for number, kind, name in (("1", "sqlite", "SQLite"), ("2", "postgres", "Postgres")):
        answers = parts.get(f"answers_{kind}")
        runs = [("raw ceiling", "raw_serial"), ("record_answer", "service_serial")]
        if kind == "sqlite":  # informational: a ceiling that also writes the score rows
            runs.append(("raw ceiling with the score rows too", "raw_scored_serial"))
        for label, key in runs:
            table.add(number, f"{name}: {label}, serial", _get(answers, "runs", key), _run_text)
        table.add(
            number,
            f"{name}: record_answer / raw, serial (median of reps)",
            _get(answers, "ratios", "serial"),
            lambda r: f"{r:.2f} x",
            ">= 0.5 x",
            lambda r: r >= 0.5,
        )
        if kind == "sqlite":
            table.add(
                number,
                f"{name}: record_answer / raw with the score rows, serial (median)",
                _get(answers, "ratios", "serial_scored"),
                lambda r: f"{r:.2f} x",
            )
        for concurrency in (10, 100):
            run = _get(answers, "runs", f"service_c{concurrency}")
            ratio = _get(answers, "ratios", f"c{concurrency}")
            if kind == "postgres":
                table.add(
                    number,
                    f"{name}: raw ceiling, {concurrency} concurrent",
                    _get(answers, "runs", f"raw_c{concurrency}"),
                    _run_text,
                )
            table.add(
                number,
                f"{name}: {concurrency} concurrent answerers",
                run,
                lambda r, ratio=ratio: (
                    f"{_run_text(r)} ({ratio:.2f} x raw)" if ratio is not None else _run_text(r)
                ),
                "0 fail, p99<250ms" if kind == "sqlite" else None,
                (lambda r: r["failures"] == 0 and r["p99_ms"] < ANSWER_P99_MS)
                if kind == "sqlite"
                else None,
            )
    _burst(table, parts.get("burst"))
    for kind, name in (("sqlite", "SQLite"), ("postgres", "Postgres")):
        reads = parts.get(f"reads_{kind}")
        dataset = _get(parts.get(f"dataset_{kind}"), "size")
        scale = f"{dataset['answers']:,} answers" if dataset else "?"
        for layout, tenants in (("one", "1 tenant"), ("twenty", "20 tenants")):
            for call, label in (
                ("all", "/leaderboard all"),
                ("week", "/leaderboard week"),
                ("stats", "/stats"),
            ):
                table.add(
                    "4",
                    f"{name} {label}, {scale}, {tenants}",
                    _get(reads, layout, call),
                    lambda r: f"p50 {_ms(r['p50_ms'])} p99 {_ms(r['p99_ms'])} fail {r['failures']}",
                    "p99 < 10 ms",
                    lambda r: r["failures"] == 0 and r["p99_ms"] < READ_P99_MS,
                )
        during = _get(reads, "one", "answering")
        table.add(
            "4",
            f"{name}: 10 answerers while boards are read (p99 vs alone, median)",
            during,
            lambda d: (
                f"{_ms(d['during_reads']['p99_ms'])} vs {_ms(d['alone']['p99_ms'])}"
                f" ({d['p99_ratio']:.2f} x), fail {d['during_reads']['failures']}"
            ),
            "<= 2 x, 0 fail" if kind == "sqlite" else None,
            (lambda d: d["p99_ratio"] <= 2.0 and d["during_reads"]["failures"] == 0)
            if kind == "sqlite"
            else None,
        )
    for kind, name in (("sqlite", "SQLite"), ("postgres", "Postgres")):
        drill = parts.get(f"drill_{kind}")
        learners = _get(drill, "recent_learners")
        table.add(
            "5",
            f"{name}: post a drill, {learners or '?':,} recent learners"
            if learners
            else f"{name}: post a drill",
            drill,
            lambda d: (
                f"failed ({', '.join(d['failure_kinds'])})"
                if d["failures"]
                else f"p50 {d['p50_ms'] / 1000:.2f} s, max {d['max_ms'] / 1000:.2f} s"
            ),
            "< 1 s",
            lambda d: d["failures"] == 0 and d["max_ms"] < DRILL_SECONDS * 1000,
        )
        table.add(
            "5",
            f"{name}: peak RSS of the process posting the drill",
            _get(drill, "peak_rss_mb"),
            lambda mb: f"{mb:.0f} MB",
            "< 200 MB",
            lambda mb: mb < RSS_MB,
        )
    _fanout(table, parts.get("fanout"))
    startup = parts.get("startup")
    table.add(
        "7",
        "studybot run start-up to ready (empty stdin) / python -c pass",
        startup,
        lambda s: f"{s['ratio']:.1f} x ({s['studybot_ms']:.0f} vs {s['python_pass_ms']:.0f} ms)",
        "<= 15 x",
        lambda s: s["ratio"] <= 15.0 and s["failures"] == 0,
    )
    peaks = [_get(parts.get("burst"), "peak_rss_mb_bot")] + [
        _get(parts.get(key), "peak_rss_mb")
        for key in ("reads_sqlite", "reads_postgres", "drill_sqlite", "drill_postgres")
    ]
    measured = [p for p in peaks if p is not None]
    table.add(
        "7",
        "peak RSS of the bot process during parts 3-5 (the largest)",
        max(measured) if len(measured) == len(peaks) or measured else None,
        lambda mb: f"{mb:.0f} MB" + ("" if len(measured) == len(peaks) else " (some not measured)"),
        "< 200 MB",
        lambda mb: mb < RSS_MB and len(measured) == len(peaks),
    )
    return table.rows


def _burst(table: Table, burst: Any) -> None:
    table.add(
        "3",
        "Slack burst: clicks acknowledged under 3 s",
        burst,
        lambda b: f"{b['acked_in_time']}/{b['clicks']} ({b['clicks'] - b['acked_in_time']} late)",
        "100 %",
        lambda b: b["acked_in_time"] == b["clicks"],
    )
    table.add(
        "3",
        "Slack burst: ack latency",
        burst,
        lambda b: (
            f"p50 {_ms(b['ack_p50_ms'])} p99 {_ms(b['ack_p99_ms'])} max {_ms(b['ack_max_ms'])}"
        ),
        "p99 < 250 ms",
        lambda b: b["ack_p99_ms"] < ANSWER_P99_MS,
    )
    table.add(
        "3",
        "Slack burst: answers recorded exactly once",
        burst,
        lambda b: (
            f"{b['recorded']} recorded for {b['expected']} distinct clicks, "
            f"{b['duplicates']} duplicates"
        ),
        "all, once",
        lambda b: b["recorded"] == b["expected"] and b["duplicates"] == 0,
    )


def _fanout(table: Table, fanout: Any) -> None:
    table.add(
        "6",
        "Drill fan-out to channels: total time / floor",
        fanout,
        lambda f: (
            f"{f['seconds']:.1f} s / {f['floor_s']:.1f} s = {f['ratio']:.2f} x"
            f" ({f['channels']} channels)"
        ),
        "<= 1.2 x",
        lambda f: f["ratio"] <= 1.2,
    )
    table.add(
        "6",
        "Drill fan-out: posts lost",
        fanout,
        lambda f: f"{f['lost']} of {f['channels']}",
        "0",
        lambda f: f["lost"] == 0,
    )
