"""The composition root: settings → bank → database → service → timer → adapters."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import SHIPPED_QUESTIONS, Settings
from bot.core.clock import Clock
from bot.core.packs import Problem, load_bank
from bot.core.ports import Outbox, Place, Timer
from bot.core.questions import QuestionBank
from bot.core.records import SyncReport
from bot.core.service import CoreConfig, StudyService
from bot.storage.engine import create_engine, migrate
from bot.storage.repository import SqlRepository

log = logging.getLogger(__name__)


class RoutingOutbox:
    """One Outbox per platform; the core posts to whichever the place belongs to."""

    def __init__(self, outboxes: dict[str, Outbox]) -> None:
        self.outboxes = outboxes

    async def post(self, place: Place, view: object) -> str:
        return await self.outboxes[place.platform].post(place, view)

    async def edit(self, place: Place, message_id: str, view: object) -> None:
        await self.outboxes[place.platform].edit(place, message_id, view)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    service: StudyService
    bank: QuestionBank
    warnings: list[Problem]
    synced: SyncReport

    async def close(self) -> None:
        await self.engine.dispose()


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(
        default_timezone=settings.default_timezone,
        drill_grace=settings.drill_grace,
        quiz_count=settings.quiz_count,
        quiz_base_seconds=settings.quiz_base_seconds,
    )


async def build_app(
    settings: Settings,
    clock: Clock,
    outbox: Outbox,
    timer: Timer,
    rng: random.Random | None = None,
) -> App:
    """Load the bank (refusing an invalid shipped pack), migrate, and wire the service."""
    extra = settings.question_dirs[1:]
    bank, warnings = load_bank(SHIPPED_QUESTIONS, extra)
    for problem in warnings:
        log.warning("%s", problem)
    await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    service = StudyService(
        SqlRepository(engine), bank, clock, outbox, timer, core_config(settings), rng
    )
    bind = getattr(timer, "bind", None)
    if bind is not None:
        bind(service)
    synced = await service.sync_questions()
    return App(settings, engine, service, bank, warnings, synced)
