"""Fixtures for core tests: a small bank, a fixed clock, fakes for the ports."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.core.clock import SimulatedClock
from bot.core.ports import Place, Who
from bot.core.questions import Concept, Question, QuestionBank
from bot.core.service import CoreConfig, StudyService
from bot.core.timeline import ManualTimer
from tests.core.fakes import FakeRepository, RecordingOutbox

START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # a Thursday
PLACE = Place("test", "guild-1", "#study")
ANA = Who("test", "u-ana", "Ana")
BOB = Who("test", "u-bob", "Bob")
CONCEPTS = ("alpha", "beta", "gamma")


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


def make_bank(per_concept: int = 6) -> QuestionBank:
    questions = tuple(
        make_question(f"{concept}-{n}", concept, answer=n % 4, difficulty=1 + n % 3)
        for concept in CONCEPTS
        for n in range(per_concept)
    )
    concepts = tuple(Concept(c, f"Concept {c}") for c in CONCEPTS)
    return QuestionBank(concepts=concepts, questions=questions)


@dataclass
class World:
    """A service wired to fakes, with handles on every part a test inspects."""

    service: StudyService
    repo: FakeRepository
    outbox: RecordingOutbox
    timer: ManualTimer
    clock: SimulatedClock
    bank: QuestionBank

    def posted(self, kind: type) -> list:
        return [view for _, view in self.outbox.posts if isinstance(view, kind)]


def make_world(
    bank: QuestionBank | None = None,
    repo: FakeRepository | None = None,
    clock: SimulatedClock | None = None,
    config: CoreConfig | None = None,
) -> World:
    bank = bank or make_bank()
    repo = repo or FakeRepository()
    clock = clock or SimulatedClock(START)
    outbox = RecordingOutbox()
    timer = ManualTimer(clock)
    service = StudyService(repo, bank, clock, outbox, timer, config, random.Random(7))
    timer.bind(service)
    return World(service, repo, outbox, timer, clock, bank)


@pytest.fixture
async def world() -> World:
    w = make_world()
    await w.service.sync_questions()
    return w
