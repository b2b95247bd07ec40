"""`python -m bench.chart`: answer latency against concurrency, before and after issue 10.

Reads bench/results.json (a run, with the baseline of bench/before.json inside it)
and draws p50 and p99 of `record_answer` at 1, 10 and 100 concurrent answerers,
SQLite and Postgres side by side, on a log scale: bench/answer_latency.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

HERE = Path(__file__).resolve().parent
LEVELS = ((1, "service_serial"), (10, "service_c10"), (100, "service_c100"))


def series(result: dict[str, Any], kind: str, figure: str) -> list[float | None]:
    runs = (result.get("parts", {}).get(f"answers_{kind}") or {}).get("runs", {})
    return [(runs.get(name) or {}).get(figure) for _, name in LEVELS]


def draw(result: dict[str, Any], out: Path) -> None:
    before = result.get("before") or {}
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    levels = [n for n, _ in LEVELS]
    for axis, (kind, title) in zip(
        axes, (("sqlite", "SQLite"), ("postgres", "Postgres")), strict=True
    ):
        for run, label, style in ((before, "before", "--"), (result, "after", "-")):
            for figure_name, marker in (("p50_ms", "o"), ("p99_ms", "s")):
                values = series(run, kind, figure_name)
                points = [(x, y) for x, y in zip(levels, values, strict=True) if y]
                if points:
                    xs, ys = zip(*points, strict=True)
                    axis.plot(
                        xs,
                        ys,
                        style,
                        marker=marker,
                        label=f"{label}, {figure_name.split('_')[0]}",
                    )
        axis.axhline(250, color="grey", linewidth=0.8, linestyle=":")
        axis.text(1, 260, "250 ms", color="grey", fontsize=8)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(levels, [str(n) for n in levels])
        axis.set_xlabel("concurrent answerers")
        axis.set_title(f"{title}: record_answer latency")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("milliseconds")
    axes[1].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__)
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--out", type=Path, default=HERE / "answer_latency.png")
    args = parser.parse_args(argv)
    draw(json.loads(args.results.read_text()), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
