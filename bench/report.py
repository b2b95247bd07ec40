"""`python -m bench.report`: the run in bench/results.json as a Markdown table for RESULTS.md,
each figure beside the same figure before issue 10 (bench/before.json) and its target."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


# Row names reworded since the baseline was taken: the old spelling, the new one.
RENAMED = {"(p99 vs alone)": "(p99 vs alone, median)", "(max)": "(the largest)"}


def _key(row: dict[str, Any]) -> tuple[str, str]:
    what = row["what"]
    for old, new in RENAMED.items():
        what = what.replace(old, new)
    return row["part"], what


def table(result: dict[str, Any]) -> str:
    before = {_key(r): r for r in (result.get("before") or {}).get("table", [])}
    lines = [
        "| part | what | before | after | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["table"]:
        old = before.get(_key(row))
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        cells = (
            row["part"],
            row["what"],
            old["measured"] if old else "",
            row["measured"],
            row["target"] or "",
            met,
        )
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    lines.append("")
    lines.append(f"targets met: {result['targets_met']}/{result['targets']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    print(table(json.loads(args.results.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
