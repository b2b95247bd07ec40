"""Fixtures for core tests: a small bank, a simulated clock, fakes for the ports.

The service is driven the way an adapter drives it: a use case answers its
caller, and what the channel sees reaches the RecordingOutbox only when the
timer runs the sender (`world.deliver()` or `world.advance(...)`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from bot.core.clock import SimulatedClock
from bot.core.ports import Place, Who
from bot.core.questions import Concept, Question, QuestionBank
from bot.core.service import CoreConfig, StudyService
from bot.core.timeline import ManualTimer
from bot.core.views import QuestionView, ReceiptView
from tests.core.fakes import FakeRepository, RecordingOutbox

START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # a Thursday
PLACE = Place("test", "guild-1", "#study")
ANA = Who("test", "u-ana", "Ana")
BOB = Who("test", "u-bob", "Bob")
MOD = Who("test", "u-mod", "Mo", can_manage=True)  # may manage the workspace
CONCEPTS = ("alpha", "beta", "gamma")

V = TypeVar("V")


def make_question(qid: str, concept: str, answer: int = 1, difficulty: int = 1) -> Question:
    return Question(
        id=qid,
        concept=concept,
        type="single",
        prompt=f"Prompt of {qid}: which option is right?",
        choices=("first option", "second option", "third option", "fourth option"),
        answer=answer,
        explanation=f"Because {qid} says so.",
        rationales=tuple(None if i == answer else f"not option {i}" for i in range(4)),
        difficulty=difficulty,
        tags=("scenario",),
        source=f"test.yaml:{qid}",
    )


def make_truefalse(qid: str, concept: str, answer: int = 0) -> Question:
    return Question(
        id=qid,
        concept=concept,
        type="truefalse",
        prompt=f"Statement {qid} holds.",
        choices=("True", "False"),
        answer=answer,
        explanation=f"Because {qid} says so.",
        rationales=tuple(None if i == answer else "no" for i in range(2)),
        difficulty=1,
    )


def make_bank(per_concept: int = 6) -> QuestionBank:
    questions = tuple(
        make_question(f"{concept}-{n}", concept, answer=n % 4, difficulty=1 + n % 3)
        for concept in CONCEPTS
        for n in range(per_concept)
    )
    concepts = tuple(Concept(c, f"Concept {c}") for c in CONCEPTS)
    return QuestionBank(concepts=concepts, questions=questions)


def wrong(question: Question) -> int:
    """A choice that is not the answer."""
    return (question.answer + 1) % len(question.choices)


@dataclass
class World:
    """A service wired to fakes, with handles on every part a test inspects."""

    service: StudyService
    repo: FakeRepository
    outbox: RecordingOutbox
    timer: ManualTimer
    clock: SimulatedClock
    bank: QuestionBank

    def posted(self, kind: type[V]) -> list[V]:
        """Views of one type the outbox has posted, oldest first."""
        return [view for _, view in self.outbox.posts if isinstance(view, kind)]

    def questions(self, kind: str) -> list[QuestionView]:
        """Posted questions of one kind ("drill" or "quiz")."""
        return [v for v in self.posted(QuestionView) if v.kind == kind]

    def question(self, view: QuestionView | ReceiptView) -> Question:
        question = self.bank.get(view.question_id)
        assert question is not None
        return question

    async def deliver(self) -> None:
        """Run what is due now: closes and the sender (as the scheduler would at once)."""
        await self.timer.run_due()

    async def advance(self, delta: timedelta) -> None:
        """Let `delta` pass, running every fire, close, board and delivery on the way."""
        await self.timer.advance_to(self.clock.now() + delta)

    def restart(self, at: datetime | None = None, bank: QuestionBank | None = None) -> World:
        """A new process on the same database, its clock at `at` (default: now)."""
        return make_world(
            bank=bank or self.bank,
            repo=self.repo,
            clock=SimulatedClock(at or self.clock.now()),
            config=self.service.config,
        )


def make_world(
    bank: QuestionBank | None = None,
    repo: FakeRepository | None = None,
    clock: SimulatedClock | None = None,
    config: CoreConfig | None = None,
    auto: bool = False,
) -> World:
    bank = bank or make_bank()
    repo = repo or FakeRepository()
    clock = clock or SimulatedClock(START)
    outbox = RecordingOutbox()
    timer = ManualTimer(clock, auto=auto)
    service = StudyService(repo, bank, clock, outbox, timer, config, random.Random(7))
    timer.bind(service)
    return World(service, repo, outbox, timer, clock, bank)


@pytest.fixture
async def world() -> World:
    w = make_world()
    await w.service.sync_questions()
    return w
