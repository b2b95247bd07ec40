"""The arguments of `studybot questions ...`; bot/packs_cli.py runs the commands.

Apart so that `studybot run` parses its command line without importing the pack
tools (the bank report, CSV, the rules): a command imports them when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config import SHIPPED_QUESTIONS

log = logging.getLogger("bot.packs_cli")

Handler = Callable[[argparse.Namespace], int]


def _later(name: str) -> Handler:
    """The packs_cli function of that name, imported when the command runs."""

    def run(args: argparse.Namespace) -> int:
        from bot import packs_cli

        handler: Handler = getattr(packs_cli, name)
        return handler(args)

    run.__name__ = name
    return run


def _guarded(command: Handler) -> Handler:
    """Turn anything unexpected into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except KeyboardInterrupt:
            print("studybot: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader (`| head`) went away; keep Python from complaining at exit.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except Exception as exc:
            log.debug("questions command failed", exc_info=True)
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            print(f"studybot: unexpected error: {detail}", file=sys.stderr)
            return 2

    return run


def add_questions_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `questions check|report|list|import|export-csv` to a CLI's subcommands."""
    parser = subparsers.add_parser("questions", help="check, count and import question packs")
    commands = parser.add_subparsers(dest="questions_command", metavar="COMMAND", required=True)

    def add(name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--shipped",
            type=Path,
            default=SHIPPED_QUESTIONS,
            metavar="DIR",
            help="the shipped pack folder (default: the bot's questions/)",
        )
        sub.set_defaults(func=_guarded(_later(handler)))
        return sub

    paths_help = "pack files or folders (default: the shipped folder)"
    sub = add("check", "_check", "validate packs; one line per problem")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub = add("report", "_report", "print the bank report: counts, syllabus points and cues")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub.add_argument(
        "--markdown", action="store_true", help="print the syllabus-point table as Markdown"
    )
    sub.add_argument(
        "--readme",
        type=Path,
        metavar="FILE",
        help="rewrite the syllabus-point table between its markers in FILE",
    )
    sub = add("list", "_list", "count questions per concept and type")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub.add_argument("--concept", help="only this concept")
    sub = add("import", "_import", "convert a CSV of questions into a pack")
    sub.add_argument("csv", type=Path, metavar="FILE.csv")
    sub.add_argument("--concept", required=True, help="the concept every row belongs to")
    sub.add_argument("--out", type=Path, required=True, metavar="PACK.yaml")
    sub.add_argument("--title", help="declare --concept in the new pack with this title")
    sub.add_argument("--force", action="store_true", help="replace --out if it exists")
    sub = add("export-csv", "_export", "write packs as a CSV in the import format")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub.add_argument("--concept", help="only this concept")
    sub.add_argument("--out", type=Path, metavar="FILE.csv", help="default: standard output")
