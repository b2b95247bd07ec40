"""One benchmark part in a process of its own: `python -m bench.part NAME KIND [--quick]`.

Each part runs in a fresh interpreter so that its peak RSS is its own and one
part's garbage does not slow the next. It prints progress on stderr and one JSON
line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bench.common import emit
from bench.db import remove_folder, scratch_folder


async def run(name: str, kind: str, quick: bool, reps: int, data: str | None) -> dict[str, Any]:
    folder = Path(data) if data else scratch_folder()
    try:
        if name == "answers":
            from bench import answering

            return await answering.measure(kind, folder, quick, reps)
        if name == "dataset":
            from bench import scale

            return await scale.generate(kind, folder, quick)
        if name == "reads":
            from bench import scale

            return await scale.reads(kind, folder, quick)
        if name == "cleanup":
            from bench import scale

            return await scale.cleanup(kind, folder)
        if name == "drill":
            from bench import scale

            return await scale.drill(kind, folder, quick)
        if name == "startup":
            from bench import startup

            return await startup.measure(folder, quick, reps)
        if name == "burst":
            from bench import burst

            return await burst.measure(folder, quick)
        if name == "fanout":
            from bench import fanout

            return await fanout.measure(folder, quick)
    finally:
        if not data:
            remove_folder(folder)
    raise SystemExit(f"unknown part {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.part")
    parser.add_argument("name")
    parser.add_argument("kind", nargs="?", default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--data", help="a folder kept between parts (data sets)")
    args = parser.parse_args(argv)
    emit(asyncio.run(run(args.name, args.kind, args.quick, args.reps, args.data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
