"""The composition root and the one start-up lifecycle every entry point uses.

    migrate → load the bank → build the service → start the adapters → wait until
    they are ready → catch up → start the timer; stop in reverse.

The timer runs only in the scheduler leader (bot.leader): on SQLite that is the
one process; on Postgres the process holding an advisory lock.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import faults
from bot.config import SHIPPED_QUESTIONS, Settings
from bot.core.clock import Clock, SimulatedClock, SystemClock
from bot.core.delivery import PlatformNotRunning
from bot.core.errors import StudyError
from bot.core.pack_bank import BankCache, load_bank
from bot.core.pack_nodes import Problem
from bot.core.ports import ChannelView, Outbox, Place
from bot.core.questions import QuestionBank
from bot.core.records import SyncReport
from bot.core.service import CoreConfig, StudyService
from bot.core.timeline import ManualTimer
from bot.core.views import QuestionView, RevealView
from bot.leader import Leadership
from bot.scheduling import JobScheduler
from bot.storage.engine import create_engine, migrate
from bot.storage.repository import SqlRepository

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0  # seconds an adapter may take to connect and sync its commands


class Adapter(Protocol):
    """A chat platform: it owns its connection and an Outbox for its channels."""

    @property
    def platform(self) -> str: ...
    @property
    def outbox(self) -> Outbox: ...

    async def start(self, service: StudyService) -> None: ...
    async def wait_ready(self) -> None: ...
    async def stop(self) -> None: ...


class RoutingOutbox:
    """One Outbox per running platform; a place of a platform that is not running here
    raises PlatformNotRunning, and the sender keeps the message for later."""

    def __init__(self, outboxes: dict[str, Outbox] | None = None) -> None:
        self.outboxes: dict[str, Outbox] = dict(outboxes or {})

    def _for(self, place: Place) -> Outbox:
        outbox = self.outboxes.get(place.platform)
        if outbox is None:
            raise PlatformNotRunning(place.platform)
        return outbox

    async def post(self, place: Place, view: ChannelView) -> str:
        outbox = self._for(place)
        faults.reach(f"before-post:{_kind(view)}")
        return await outbox.post(place, view)

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        await self._for(place).edit(place, message_id, view)


def _kind(view: ChannelView) -> str:
    if isinstance(view, QuestionView):
        return "question"
    return "reveal" if isinstance(view, RevealView) else "board"


Timer = ManualTimer | JobScheduler


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    service: StudyService
    bank: QuestionBank
    clock: Clock
    timer: Timer
    outbox: RoutingOutbox
    warnings: list[Problem]
    synced: SyncReport
    adapters: list[Adapter] = field(default_factory=list)
    leadership: Leadership | None = None

    async def stop(self) -> None:
        """Stop in reverse: the timer and leadership, the adapters, then the database."""
        if self.leadership is not None:
            await self.leadership.stop()
        if isinstance(self.timer, JobScheduler):
            self.timer.shutdown()
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        await self.engine.dispose()


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(
        default_timezone=settings.default_timezone,
        drill_grace=settings.drill_grace,
        quiz_count=settings.quiz_count,
        quiz_base_seconds=settings.quiz_base_seconds,
        fsrs_fuzzing=True,
    )


def platform_adapters(settings: Settings) -> list[Adapter]:
    """The adapters whose tokens are set (imported only then: start-up stays quick)."""
    adapters: list[Adapter] = []
    if settings.discord_token is not None:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(settings))
    if settings.slack_bot_token is not None:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(settings))
    return adapters


async def build(
    settings: Settings,
    clock: Clock,
    outbox: Outbox,
    timer: Timer,
    rng: random.Random | None = None,
) -> tuple[StudyService, AsyncEngine, QuestionBank, list[Problem], SyncReport]:
    """Load the bank (refusing an invalid shipped pack; the shipped bank from its cache
    while no pack file changed), migrate, and wire the service."""
    folder = settings.bank_cache_dir
    cache = BankCache(folder) if folder is not None else None
    bank, warnings = load_bank(SHIPPED_QUESTIONS, settings.question_dirs[1:], cache)
    for problem in warnings:
        log.warning("%s", problem)
    await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    repo = SqlRepository(engine)
    service = StudyService(repo, bank, clock, outbox, timer, core_config(settings), rng)
    timer.bind(service)
    synced = await service.sync_questions()
    return service, engine, bank, warnings, synced


async def start(
    settings: Settings,
    *,
    clock: Clock | None = None,
    adapters: Sequence[Adapter] | None = None,
    extra_outboxes: dict[str, Outbox] | None = None,
    rng: random.Random | None = None,
    auto: bool = True,
) -> App:
    """Start studybot: the whole lifecycle up to a running timer.

    With a SimulatedClock the timer is a ManualTimer that runs what is due by
    itself (tests move time with `app.timer.advance_to`; the console passes
    auto=False and runs it after each command); otherwise APScheduler.
    `extra_outboxes` routes other platforms (the console's) through the same sender.
    """
    clock = clock or SystemClock()
    adapters = list(platform_adapters(settings) if adapters is None else adapters)
    routes = dict(extra_outboxes or {})
    routes.update({a.platform: a.outbox for a in adapters})
    outbox = RoutingOutbox(routes)
    if isinstance(clock, SimulatedClock):
        timer: Timer = ManualTimer(clock, auto=auto)
    else:
        timer = JobScheduler(clock, settings.drill_grace)
    service, engine, bank, warnings, synced = await build(settings, clock, outbox, timer, rng)
    app = App(settings, engine, service, bank, clock, timer, outbox, warnings, synced)
    started: list[Adapter] = []
    try:
        for adapter in adapters:
            try:
                await adapter.start(service)
            finally:
                started.append(adapter)  # stop() must close what start() opened so far
            await asyncio.wait_for(adapter.wait_ready(), READY_TIMEOUT)
    except BaseException as error:
        app.adapters = started
        await app.stop()
        if isinstance(error, Exception) and not isinstance(error, StudyError):
            platform = started[-1].platform if started else "a"
            reason = "it was not ready in time" if isinstance(error, TimeoutError) else error
            raise StudyError(f"The {platform} adapter could not start: {reason}") from error
        raise
    app.adapters = started
    app.leadership = Leadership(engine, service, timer, settings.leader_poll_seconds)
    await app.leadership.start()
    return app
