"""The production timer (APScheduler on the system clock) runs a quiz round and fires a
drill for real, through the real service on a SQLite file. Short windows keep it quick."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

from bot.core.clock import SystemClock
from bot.core.ports import ChannelView, Place, Who
from bot.core.questions import Concept, Question, QuestionBank
from bot.core.schedules import DrillSpec
from bot.core.service import CoreConfig, StudyService
from bot.core.views import BoardView, QuestionView, RevealView
from bot.scheduling import JobScheduler
from bot.storage.repository import SqlRepository
from tests.storage.backends import open_backend

PLACE = Place("test", "guild", "#study")
ANA = Who("test", "u-ana", "Ana", can_manage=True)


def tiny_bank() -> QuestionBank:
    questions = tuple(
        Question(
            id=f"q{n}",
            concept="alpha",
            type="single",
            prompt=f"Quick one {n}?",
            choices=("yes", "no", "maybe"),
            answer=0,
            explanation="Because.",
            rationales=(None, "not no", "not maybe"),
            difficulty=1,
        )
        for n in range(4)
    )
    return QuestionBank(concepts=(Concept("alpha", "Alpha"),), questions=questions)


class WaitingOutbox:
    """Remembers posts and lets a test wait until one matches."""

    def __init__(self) -> None:
        self.posts: list[ChannelView] = []
        self.changed = asyncio.Condition()

    async def post(self, place: Place, view: ChannelView) -> str:
        async with self.changed:
            self.posts.append(view)
            self.changed.notify_all()
        return f"m{len(self.posts)}"

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        return None

    async def wait_for(self, kind: type, count: int, within: float) -> list[ChannelView]:
        async def enough() -> None:
            async with self.changed:
                await self.changed.wait_for(
                    lambda: sum(isinstance(v, kind) for v in self.posts) >= count
                )

        await asyncio.wait_for(enough(), within)
        return [v for v in self.posts if isinstance(v, kind)]


async def test_the_real_timer_runs_a_quiz_round_and_fires_a_drill(tmp_path: Path) -> None:
    """Two quiz questions close on their 1-second windows and the round board follows; a
    drill set for the coming minute is posted by its cron job in its zone, once."""
    backend = await open_backend("sqlite", tmp_path)
    clock = SystemClock()
    timer = JobScheduler(clock, timedelta(hours=6))
    outbox = WaitingOutbox()
    config = CoreConfig(quiz_base_seconds=1)
    service = StudyService(
        SqlRepository(backend.engine), tiny_bank(), clock, outbox, timer, config, random.Random(3)
    )
    timer.bind(service)
    timer.active = True
    timer.start()
    try:
        await service.sync_questions()
        await service.start_quiz(PLACE, ANA, count=2)
        reveals = await outbox.wait_for(RevealView, 2, within=20)
        [board] = await outbox.wait_for(BoardView, 1, within=10)
        assert [r.position for r in reveals] == [1, 2] and board.kind == "round"

        soon = clock.now() + timedelta(minutes=1)
        spec = DrillSpec(soon.time().replace(second=0, microsecond=0), "UTC")
        await service.set_drill(PLACE, ANA, spec)
        questions = await outbox.wait_for(QuestionView, 3, within=75)
        assert [q.kind for q in questions] == ["quiz", "quiz", "drill"]
        assert any(job.startswith("close:") for job in timer.jobs())
    finally:
        timer.shutdown()
        await timer.settle()
        await backend.cleanup()
