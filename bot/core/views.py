"""Platform-neutral outputs. Adapters render these; the core never formats for a platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.core.records import BoardRow


@dataclass(frozen=True)
class QuestionView:
    """A question shown to learners: in a channel (drill, quiz) or privately (review)."""

    kind: str  # "drill" | "quiz" | "review"
    question_id: str
    concept: str
    concept_title: str
    prompt: str
    choices: tuple[str, ...]
    difficulty: int
    post_id: int | None = None
    closes_at: datetime | None = None
    position: int | None = None  # 1-based within a quiz round or review batch
    of: int | None = None
    closed: bool = False  # the reveal happened; buttons should be gone
    type: str = "single"  # "single" | "truefalse"


@dataclass(frozen=True)
class ReceiptView:
    """Private acknowledgement of a channel answer; drill and quiz answers stay hidden."""

    kind: str
    question_id: str
    choice: int
    reveal_at: datetime
    post_id: int | None = None


@dataclass(frozen=True)
class FeedbackView:
    """Immediate, private result of a personal review answer."""

    question_id: str
    correct: bool
    choice: int
    answer: int
    choices: tuple[str, ...]
    explanation: str
    rationale: str | None  # why the chosen wrong option is wrong
    next_due: datetime


@dataclass(frozen=True)
class RevealView:
    """The end of a drill or quiz question: the answer and how the channel did."""

    kind: str
    question_id: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str
    rationales: tuple[str | None, ...]
    correct_count: int
    total: int
    correct_names: tuple[str, ...]
    streaks: tuple[tuple[str, int], ...] = ()  # (name, days) for correct drill answerers
    position: int | None = None
    of: int | None = None
    post_id: int | None = None
    question_message_id: str | None = (
        None  # the question this reveals: reply to it, thread under it
    )
    more_names: int = 0  # correct answerers beyond correct_names ("and 12 more")


@dataclass(frozen=True)
class BoardView:
    title: str
    rows: tuple[BoardRow, ...]
    period_start: date | None = None
    kind: str = "all"  # "week" | "all" | "round" | "weekly" (the board posted when a week ends)


@dataclass(frozen=True)
class ConceptProgress:
    concept: str
    title: str
    total: int
    seen: int
    mastered: int
    answered: int
    correct: int


@dataclass(frozen=True)
class StatsView:
    name: str
    answered: int
    correct: int
    streak: int
    points_week: int
    points_all: int
    due_now: int
    due_week: int
    concepts: tuple[ConceptProgress, ...]
    forecast: tuple[tuple[date, int], ...] = ()  # cards due per local day, today first (7 days)
    timezone: str = "UTC"

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class TopicsView:
    topics: tuple[tuple[str, str, int], ...]  # (concept id, title, question count)


@dataclass(frozen=True)
class DrillStatusView:
    enabled: bool
    local_time: str | None = None
    timezone: str | None = None
    days: str | None = None
    window: str | None = None
    concept: str | None = None
    next_fire: datetime | None = None
    next_fire_local: str | None = None


@dataclass(frozen=True)
class ExportView:
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NoticeView:
    text: str


@dataclass(frozen=True)
class StartedView:
    """What the caller is told when a quiz or an unscheduled drill starts; the
    question itself reaches the channel through the Outbox."""

    kind: str  # "quiz" | "drill"
    count: int
    concept: str | None = None


@dataclass(frozen=True)
class ReviewCardView:
    """The card a review session shows now; buttons carry the session id and position."""

    session_id: int
    position: int  # 1-based
    of: int
    question: QuestionView


@dataclass(frozen=True)
class ReviewStepView:
    """The result of answering a review card, and the card after it (None: the batch is done)."""

    session_id: int
    position: int
    feedback: FeedbackView
    next: ReviewCardView | None
    repeated: bool = False  # this card was already graded; nothing changed


@dataclass(frozen=True)
class TenantSettingsView:
    timezone: str
    timezone_explicit: bool
    board_day: int | None  # 0 = Monday; None = the weekly board is off
    board_time: str  # HH:MM local


@dataclass(frozen=True)
class ConceptReadiness:
    concept: str
    title: str
    chance: float  # predicted chance (0..1) of answering an exam question of this concept right
    seen: int  # questions of the concept the learner has answered
    total: int
    days_to_target: int | None  # of review at the learner's pace to pass the target; None: >60


@dataclass(frozen=True)
class ReadinessView:
    """A learner's predicted exam score: per concept, overall with a range, what next."""

    name: str
    concepts: tuple[ConceptReadiness, ...]  # bank order
    score: float  # predicted share right on an exam drawn from the bank
    low: float  # the range an exam of `exam_questions` questions lands in nine times in ten
    high: float
    study_next: tuple[str, ...]  # concept ids, where the most exam points are lost first
    pace: float  # cards a day the days to target are counted at
    pace_measured: bool  # False: no recent answers, a default pace is assumed
    target: float = 0.8
    exam_questions: int = 40
    answered: int = 0
