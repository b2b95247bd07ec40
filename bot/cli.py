"""The `studybot` command: run, migrate, questions check|list|import."""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import signal
import sys
from datetime import datetime

from bot import __version__, faults
from bot.config import Settings, load_settings
from bot.core.clock import SimulatedClock, SystemClock, as_utc
from bot.core.errors import StudyError
from bot.pack_args import add_questions_parser
from bot.simulate.command import add_simulate_parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studybot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"studybot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot (console when no platform token is set)")
    run.add_argument(
        "--simulated-clock",
        nargs="?",
        const="now",
        metavar="START",
        help="start a clock that moves only with /advance (START: ISO-8601 UTC, default now)",
    )
    run.set_defaults(func=_run)

    migrate = commands.add_parser("migrate", help="apply the database migrations")
    migrate.set_defaults(func=_migrate)

    add_questions_parser(commands)
    add_simulate_parser(commands)

    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except StudyError as error:
        print(f"studybot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _settings() -> Settings:
    settings = load_settings()
    faults.arm(settings.crash_at)
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if logging.getLogger().level > logging.DEBUG:
        # their INFO lines are start-up chatter that would interleave with the console
        for noisy in ("alembic", "apscheduler", "discord", "slack_bolt", "slack_sdk", "matplotlib"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return settings


def _migrate(args: argparse.Namespace) -> int:
    from bot.storage.engine import migrate

    settings = _settings()
    asyncio.run(migrate(settings.database_url))
    print("Database is up to date.")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    start = _parse_start(args.simulated_clock) if args.simulated_clock else None
    if settings.platforms:
        if start is not None:
            raise StudyError("--simulated-clock is for the console; unset the platform tokens.")
        return asyncio.run(_run_platforms(settings))
    return asyncio.run(_run_console(settings, start))


def _parse_start(text: str) -> datetime:
    if text == "now":
        return SystemClock().now()
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise StudyError(
            f"Bad --simulated-clock start '{text}'. Use ISO-8601 UTC, e.g. 2026-01-15T08:00:00Z."
        ) from None


async def _run_platforms(settings: Settings) -> int:
    """Serve Discord and/or Slack until SIGINT or SIGTERM, then stop in reverse order."""
    from bot.app import start

    app = await start(settings)
    _collect_less()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(
        f"studybot {__version__}: {len(app.bank.questions)} questions, serving "
        + " and ".join(settings.platforms)
        + ". Stop with Ctrl-C.",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await app.stop()
    return 0


def _collect_less() -> None:
    """Keep the garbage collector out of the way of a running bot.

    Most of the heap is start-up (the bank, the ORM's tables): it is frozen out of the
    collector's scans, and young objects are collected less often. With the defaults a
    burst of 10,000 Slack clicks made about nine full collections of 60 to 270 ms each,
    and no request was answered during any of them.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)


async def _run_console(settings: Settings, start_at: datetime | None) -> int:
    from bot.adapters.console import Console, ConsoleOutbox
    from bot.app import start
    from bot.core.timeline import ManualTimer

    def write(text: str) -> None:
        print(text, flush=True)

    console: Console | None = None

    def announce(text: str) -> None:
        if console is None:
            write(text)
        else:
            console.announce(text)

    clock: SimulatedClock | SystemClock = SimulatedClock(start_at) if start_at else SystemClock()
    app = await start(
        settings,
        clock=clock,
        adapters=[],
        extra_outboxes={"console": ConsoleOutbox(announce)},
        auto=False,
    )
    try:
        timer = app.timer
        advance = timer.advance_to if isinstance(timer, ManualTimer) else None
        console = Console(app.service, timer, clock, write, advance=advance)
        interactive = sys.stdin.isatty()
        # bytes that are not UTF-8 reach the console as surrogates, which it refuses politely
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="surrogateescape")
        if interactive:
            mode = f"simulated clock at {clock.now():%Y-%m-%d %H:%M} UTC" if start_at else "live"
            write(
                f"studybot {len(app.bank.questions)} questions, console channel #study ({mode})."
                " Type /help."
            )
        return await console.run(sys.stdin, interactive)
    finally:
        await app.stop()


if __name__ == "__main__":
    sys.exit(main())
