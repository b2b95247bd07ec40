"""Plain records the repository returns. The core never sees ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.srs import CardState

DEFAULT_BOARD_TIME = time(9, 0)


@dataclass(frozen=True)
class Tenant:
    id: int
    platform: str
    external_id: str
    timezone: str  # IANA zone used for weeks, streaks and the weekly board
    timezone_explicit: bool = False  # set by an admin; until then the first drill's zone
    board_day: int | None = 0  # weekday of the weekly board (0 = Monday); None = off
    board_time: time = DEFAULT_BOARD_TIME  # local time of the weekly board


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
    learner_user_id: str = ""


@dataclass(frozen=True)
class BoardRow:
    learner_id: int
    display_name: str
    points: int
    correct: int
    answered: int
    platform_user_id: str = ""  # so adapters can mention the learner


@dataclass(frozen=True)
class StoredCard:
    question_id: str
    card: CardState


@dataclass(frozen=True)
class ReviewItem:
    """One card of a review session: when it was shown and, once answered, how."""

    question_id: str
    shown_at: datetime
    choice: int | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class ReviewSession:
    """A learner's personal review batch, kept in the database so a restart continues it."""

    id: int
    learner_id: int
    tenant_id: int
    size: int  # how many cards the batch shows at most
    items: tuple[ReviewItem, ...]  # shown so far, in order; the last unanswered one is current
    started_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class NewReview:
    learner_id: int
    tenant_id: int
    size: int
    items: tuple[ReviewItem, ...]
    started_at: datetime


DELIVERY_KINDS = ("question", "close", "reveal", "round_board", "weekly_board")


@dataclass(frozen=True)
class NewDelivery:
    """A message the core must say in a channel, written with the change that causes it."""

    kind: str  # one of DELIVERY_KINDS
    tenant_id: int
    channel: str
    dedup_key: str  # unique: the same message is never queued twice
    created_at: datetime
    post_id: int | None = None
    round_id: int | None = None
    week_start: date | None = None


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    tenant_id: int
    channel: str
    dedup_key: str
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    post_id: int | None = None
    round_id: int | None = None
    week_start: date | None = None
    delivered_at: datetime | None = None
    message_id: str | None = None
