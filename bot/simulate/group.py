"""One simulated study group, one policy, one seed: 30 days through the real StudyService.

The service runs as in production: its own selection, grading, FSRS scheduling
and storage, on the simulated clock with the ManualTimer firing drills and
closing posts. Only the learners are simulated: each answers right with their
true chance of recall (bot.simulate.memory) and then learns from the answer.

Policies, each with the same number of questions per learner per day:
  random       a trivia bot: a daily channel quiz of questions drawn uniformly
               from the bank (graded and stored by the same service); no review
               queue. Everyone answers all but the last question (the personal
               share); the last, in the drill's place, those who showed up.
  studybot     the real daily drill (answered by those who show up) plus each
               learner's review queue
  review-only  no drill; one more review card for those who show up
  drill-only   the daily drill alone, never a review (a check, not a contender)

So a learner answers `per_day` questions on a day they show up, one fewer otherwise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import numpy as np

from bot.core.clock import SimulatedClock
from bot.core.ports import ChannelView, Place, Repository, Who
from bot.core.questions import QuestionBank
from bot.core.schedules import DrillSpec
from bot.core.service import CoreConfig, StudyService
from bot.core.timeline import ManualTimer
from bot.core.views import QuestionView
from bot.simulate import NO_REVIEW, POLICIES
from bot.simulate.memory import Cohort, Memory

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC
DRILL_AT = time(9, 0)
DRILL_WINDOW = timedelta(hours=2)
REVIEW_ANSWER_TIME = timedelta(seconds=20)  # past the 8 s that would make a right answer Easy
PLACE = Place("sim", "group", "#study")
MANAGER = Who("sim", "organiser", "Organiser", can_manage=True)
EXAM_QUESTIONS = 40


@dataclass(frozen=True)
class LearnerOutcome:
    name: str
    learning_rate: float
    recall: float  # true mean recall over the bank at the end
    predicted: float  # the readiness estimate of the exam score (StudyService.readiness)
    predicted_low: float
    predicted_high: float
    exam: float  # score on a simulated exam drawn from the bank
    exam_expected: float  # the same exam's expected score, without the luck of the draw


@dataclass
class RunResult:
    policy: str
    seed: int
    daily: list[float] = field(default_factory=list)  # group mean true recall, day 0..days
    by_concept: dict[str, float] = field(default_factory=dict)  # at the end
    learners: list[LearnerOutcome] = field(default_factory=list)
    answered: int = 0
    seconds: float = 0.0

    @property
    def final(self) -> float:
        return self.daily[-1]


class SimOutbox:
    """The Outbox port for simulated channels: remembers each channel's newest question."""

    def __init__(self) -> None:
        self.questions: dict[str, QuestionView] = {}
        self._count = 0

    async def post(self, place: Place, view: ChannelView) -> str:
        self._count += 1
        if isinstance(view, QuestionView) and not view.closed:
            self.questions[place.channel] = view
        return f"sim-{self._count}"

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        return None

    def take(self, channel: str) -> QuestionView:
        return self.questions.pop(channel)


def who_of(memory: Memory) -> Who:
    name = memory.traits.name
    return Who("sim", name, name)


class Group:
    """The study group of one run: the service, its clock and timer, and the learners."""

    def __init__(
        self,
        policy: str,
        cohort: Cohort,
        bank: QuestionBank,
        repo: Repository,
        seed: int,
        per_day: int,
    ) -> None:
        if policy not in (*POLICIES, NO_REVIEW):
            raise ValueError(f"unknown policy {policy!r}")
        self.policy = policy
        self.bank = bank
        self.per_day = per_day
        self.seed = seed
        self.clock = SimulatedClock(START)
        self.timer = ManualTimer(self.clock)
        self.outbox = SimOutbox()
        config = CoreConfig(review_batch=per_day)
        service_rng = random.Random(f"service:{seed}:{policy}")
        self.service = StudyService(
            repo, bank, self.clock, self.outbox, self.timer, config, service_rng
        )
        self.timer.bind(self.service)
        self.memories = cohort.memories()
        self.concept_of = {q.id: q.concept for q in bank.questions}
        # the same learners show up on the same days under every policy
        self.presence = random.Random(f"presence:{seed}")
        self.luck = random.Random(f"answers:{seed}:{policy}")
        self.answered = 0

    async def run(self, days: int) -> RunResult:
        await self.service.sync_questions()
        if self.policy in ("studybot", NO_REVIEW):
            spec = DrillSpec(DRILL_AT, "UTC", window=DRILL_WINDOW)
            await self.service.set_drill(PLACE, MANAGER, spec)
        result = RunResult(self.policy, self.seed)
        for day in range(days):
            morning = START + timedelta(days=day)
            await self.timer.advance_to(morning)
            result.daily.append(self.group_recall())
            await self.study_day(morning)
        end = START + timedelta(days=days)
        await self.timer.advance_to(end)
        result.daily.append(self.group_recall())
        result.by_concept = self.recall_by_concept()
        result.learners = await self.outcomes()
        result.answered = self.answered
        return result

    async def study_day(self, morning: datetime) -> None:
        present = [m for m in self.memories if self.presence.random() < m.traits.participation]
        drill_time = morning.replace(hour=DRILL_AT.hour, minute=DRILL_AT.minute)
        await self.timer.advance_to(drill_time)  # studybot's schedule fires: the drill is posted
        if self.policy in ("studybot", NO_REVIEW):
            view = self.outbox.take(PLACE.channel)
            await self.timer.advance_to(drill_time + timedelta(minutes=30))
            for memory in present:
                await self.answer_post(memory, view)
            await self.timer.advance_to(drill_time + DRILL_WINDOW)  # closed and revealed
        elif self.policy == "random":
            await self.trivia(present)
        await self.timer.advance_to(morning + timedelta(hours=4))
        for memory in self.memories:
            if self.policy == "studybot":
                await self.review(memory, self.per_day - 1)
            elif self.policy == "review-only":  # the drill's question goes to review instead
                await self.review(memory, self.per_day - (0 if memory in present else 1))

    # ------------------------------------------------------------ answering

    def _choice(self, memory: Memory, question_id: str) -> tuple[int, bool]:
        """Right with the learner's true chance of recall now; otherwise a wrong option."""
        question = self.bank.get(question_id)
        assert question is not None
        correct = self.luck.random() < memory.recall(question_id, self.clock.now())
        if correct:
            return question.answer, True
        wrong = [i for i in range(len(question.choices)) if i != question.answer]
        return self.luck.choice(wrong), False

    async def answer_post(self, memory: Memory, view: QuestionView) -> None:
        assert view.post_id is not None
        choice, correct = self._choice(memory, view.question_id)
        await self.service.record_answer(PLACE, who_of(memory), view.post_id, choice)
        memory.study(view.question_id, correct, self.clock.now())
        self.answered += 1

    async def trivia(self, present: list[Memory]) -> None:
        """The trivia bot's day: a round of random questions in the channel. Everyone
        answers all but the last (the personal share); the last, in place of the drill,
        only those who showed up."""
        everyone = [who_of(m) for m in self.memories]
        await self.service.start_quiz(PLACE, everyone[0], None, self.per_day, roster=everyone)
        for n in range(self.per_day):
            await self.timer.run_due()  # the sender posts the question
            view = self.outbox.take(PLACE.channel)
            assert view.post_id is not None and view.closes_at is not None
            # answered half way through the window: graded Good or Again, as reviews are
            halfway = self.clock.now() + (view.closes_at - self.clock.now()) / 2
            await self.timer.advance_to(halfway)
            for memory in present if n == self.per_day - 1 else self.memories:
                await self.answer_post(memory, view)
            # closed early once the roster has answered, else when its window ends
            await self.timer.advance_to(view.closes_at)

    async def review(self, memory: Memory, count: int) -> None:
        """The learner's personal review: up to `count` cards of the service's queue."""
        who = who_of(memory)
        card = await self.service.start_review(PLACE, who)
        done = 0
        while card is not None and done < count:
            await self.timer.advance_to(self.clock.now() + REVIEW_ANSWER_TIME)
            question_id = card.question.question_id
            choice, correct = self._choice(memory, question_id)
            step = await self.service.answer_review(
                PLACE, who, card.session_id, choice, card.position
            )
            memory.study(question_id, correct, self.clock.now())
            self.answered += 1
            done += 1
            card = step.next

    # ------------------------------------------------------------ measuring

    def group_recall(self) -> float:
        now = self.clock.now()
        return float(np.mean([m.recall_all(now).mean() for m in self.memories]))

    def recall_by_concept(self) -> dict[str, float]:
        return recall_by_concept(self.memories, self.concept_of, self.clock.now())

    async def outcomes(self) -> list[LearnerOutcome]:
        """Each learner at the end: true recall, the service's readiness estimate, and a
        simulated exam of EXAM_QUESTIONS questions drawn from the bank."""
        now = self.clock.now()
        outcomes = []
        for memory in self.memories:
            recall = memory.recall_all(now)
            view = await self.service.readiness(PLACE, who_of(memory))
            draw = random.Random(f"exam:{self.seed}:{self.policy}:{memory.traits.name}")
            picked = draw.sample(range(len(memory.ids)), EXAM_QUESTIONS)
            chances = [float(recall[i]) for i in picked]
            right = sum(draw.random() < p for p in chances)
            outcomes.append(
                LearnerOutcome(
                    name=memory.traits.name,
                    learning_rate=memory.traits.learning_rate,
                    recall=float(recall.mean()),
                    predicted=view.score,
                    predicted_low=view.low,
                    predicted_high=view.high,
                    exam=right / EXAM_QUESTIONS,
                    exam_expected=float(np.mean(chances)),
                )
            )
        return outcomes


def recall_by_concept(
    memories: list[Memory], concept_of: dict[str, str], now: datetime
) -> dict[str, float]:
    """Mean true recall of each concept's questions over the group, by concept id."""
    totals: dict[str, list[float]] = {}
    for memory in memories:
        for qid, p in zip(memory.ids, memory.recall_all(now), strict=True):
            totals.setdefault(concept_of[qid], []).append(float(p))
    return {c: float(np.mean(v)) for c, v in sorted(totals.items())}
