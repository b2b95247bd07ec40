"""Print the kill rate of `make mutation` and fail below the minimum.

Usage: python tests/core/mutation_score.py mutants/mutmut-cicd-stats.json 80

Killed and timed-out mutants count as caught; mutants no test reaches count as
survivors; mutants mutmut skipped are left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def kill_rate(stats: dict[str, int]) -> tuple[float, int, int]:
    caught = stats["killed"] + stats["timeout"]
    judged = stats["total"] - stats["skipped"]
    return 100.0 * caught / max(judged, 1), caught, judged


def main(argv: list[str]) -> int:
    stats = json.loads(Path(argv[1]).read_text())
    minimum = float(argv[2])
    rate, caught, judged = kill_rate(stats)
    print(
        f"mutation kill rate on bot/core: {rate:.1f} % ({caught} of {judged} mutants killed; "
        f"{stats['survived']} survived, {stats['no_tests']} reached by no test)"
    )
    if rate < minimum:
        print(f"below the minimum of {minimum:g} %; `.venv/bin/mutmut results` lists survivors")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
