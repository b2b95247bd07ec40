"""Plain records the repository returns. The core never sees ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.srs import CardState


@dataclass(frozen=True)
class Tenant:
    id: int
    platform: str
    external_id: str
    timezone: str  # IANA zone used for weeks and streaks


@dataclass(frozen=True)
class Learner:
    id: int
    platform: str
    platform_user_id: str
    display_name: str


@dataclass(frozen=True)
class QuestionRow:
    id: str
    concept: str
    content_hash: str


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    retired: int
    active: int


@dataclass(frozen=True)
class DrillSchedule:
    id: int
    tenant_id: int
    channel: str
    local_time: time
    timezone: str
    weekdays: tuple[int, ...]  # 0 = Monday .. 6 = Sunday
    window_minutes: int
    concept: str | None
    enabled: bool
    created_by: int | None
    updated_at: datetime


@dataclass(frozen=True)
class NewSchedule:
    tenant_id: int
    channel: str
    local_time: time
    timezone: str
    weekdays: tuple[int, ...]
    window_minutes: int
    concept: str | None
    created_by: int | None
    updated_at: datetime


@dataclass(frozen=True)
class Post:
    id: int
    kind: str  # "drill" | "quiz"
    tenant_id: int
    channel: str
    question_id: str
    message_id: str | None
    opens_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    schedule_id: int | None = None
    local_date: date | None = None
    round_id: int | None = None
    position: int | None = None

    def is_open(self, now: datetime) -> bool:
        return self.revealed_at is None and now < self.closes_at


@dataclass(frozen=True)
class NewPost:
    kind: str
    tenant_id: int
    channel: str
    question_id: str
    opens_at: datetime
    closes_at: datetime
    schedule_id: int | None = None
    local_date: date | None = None
    round_id: int | None = None
    position: int | None = None


@dataclass(frozen=True)
class QuizRound:
    id: int
    tenant_id: int
    channel: str
    started_by: int
    question_ids: tuple[str, ...]
    position: int  # index of the question currently posted
    roster: tuple[int, ...]  # learner ids expected to answer; early close when all have
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class AnswerRecord:
    learner_id: int
    question_id: str
    tenant_id: int
    channel: str
    post_id: int | None
    choice: int
    correct: bool
    latency_ms: int
    rating: int  # fsrs Rating value: 1 Again, 3 Good, 4 Easy
    points: int
    answered_at: datetime
    id: int | None = None
    learner_name: str = ""


@dataclass(frozen=True)
class BoardRow:
    learner_id: int
    display_name: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True)
class StoredCard:
    question_id: str
    card: CardState
