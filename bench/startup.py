"""Part 7: `studybot run` from launch to ready, against `python -c pass`.

With stdin empty the console starts (migrate, load the bank, build the service,
catch up, start the timer), reads end-of-file and stops: the process's lifetime
is its start-up plus an orderly stop. One untimed start beforehand does what the
first start of an installed bot does once: it migrates the database, stores the
checked bank in the bank cache (a folder of this run's own) and writes Python's
bytecode (here under a prefix in this run's folder, whatever PYTHONDONTWRITEBYTECODE
says, so that neither command compiles its modules at every start and the
checkout is left alone). Runs alternate between the two commands; the figure is
the median of the per-run ratios.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import median, say

PLATFORM_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def _run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit status of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        say(f"{' '.join(command[-2:])} exited {process.returncode}: {errors.strip()[-300:]}")
    return took, usage.ru_maxrss / 1024, process.returncode


async def measure(folder: Path, quick: bool, reps: int) -> dict[str, Any]:
    python = sys.executable
    studybot = str(Path(python).with_name("studybot"))
    env = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARIABLES}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'startup.db'}"
    env["LOG_LEVEL"] = "WARNING"
    env["STUDYBOT_CACHE_DIR"] = str(folder / "cache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "bytecode")
    # the first start migrates a new database, fills the bank cache and writes the
    # bytecode; every later start finds them current
    _run([python, "-c", "pass"], env, folder)
    _run([studybot, "run"], env, folder)
    runs = 2 if quick else max(reps, 5)
    bare: list[float] = []
    bot: list[float] = []
    rss: list[float] = []
    failures = 0
    for _ in range(runs):
        took, _, _ = _run([python, "-c", "pass"], env, folder)
        bare.append(took)
        took, peak, status = _run([studybot, "run"], env, folder)
        bot.append(took)
        rss.append(peak)
        failures += status != 0
    ratios = [b / p for b, p in zip(bot, bare, strict=True)]
    say(f"start-up {median(bot) * 1000:.0f} ms, python -c pass {median(bare) * 1000:.0f} ms")
    return {
        "runs": runs,
        "studybot_ms": median(bot) * 1000,
        "python_pass_ms": median(bare) * 1000,
        "ratio": median(ratios),
        "peak_rss_mb_bot": max(rss),
        "failures": failures,
    }
