"""The ports the core depends on. Storage, platforms and timers implement them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from bot.core.records import (
    AnswerRecord,
    BoardRow,
    Delivery,
    DrillSchedule,
    Learner,
    NewDelivery,
    NewPost,
    NewReview,
    NewSchedule,
    Post,
    QuestionRow,
    QuizRound,
    ReviewItem,
    ReviewSession,
    StoredCard,
    SyncReport,
    Tenant,
)
from bot.core.srs import CardState
from bot.core.views import BoardView, QuestionView, RevealView

ChannelView = QuestionView | RevealView | BoardView


@dataclass(frozen=True)
class Place:
    """Where something happens: a channel of a tenant (guild, workspace, console)."""

    platform: str
    tenant: str
    channel: str


@dataclass(frozen=True)
class Who:
    """A learner as a platform names them, with the platform's word on their role."""

    platform: str
    user_id: str
    display_name: str
    can_manage: bool = False  # may manage the workspace (Discord Manage Server, Slack admin)

    def __post_init__(self) -> None:
        # names come from users: a NUL, a megabyte or only spaces must not reach the database
        object.__setattr__(self, "display_name", clean_name(self.display_name) or "learner")


NAME_LIMIT = 80


def clean_name(text: str) -> str:
    """A display name fit to store and show: control characters dropped, spaces folded,
    at most NAME_LIMIT characters; "" when nothing visible is left."""
    visible = "".join(c if c.isprintable() else " " for c in text[: NAME_LIMIT * 4])
    return " ".join(visible.split())[:NAME_LIMIT].strip()


class TenantStore(Protocol):
    async def ensure_tenant(self, platform: str, external_id: str, timezone: str) -> Tenant: ...
    async def find_tenant(self, platform: str, external_id: str) -> Tenant | None: ...
    async def get_tenant(self, tenant_id: int) -> Tenant | None: ...
    async def set_tenant_timezone(self, tenant_id: int, timezone: str, explicit: bool) -> None: ...
    async def set_tenant_board(self, tenant_id: int, day: int | None, at: time) -> None: ...
    async def tenants_with_boards(self) -> list[Tenant]:
        """Tenants whose weekly board is on."""
        ...


class LearnerStore(Protocol):
    async def ensure_learner(self, platform: str, user_id: str, display_name: str) -> Learner: ...
    async def find_learner(self, platform: str, user_id: str) -> Learner | None: ...
    async def get_learner(self, learner_id: int) -> Learner | None: ...
    async def delete_learner(self, learner_id: int) -> None:
        """Every trace: answers, cards, review sessions, and the id in quiz rounds."""
        ...


class QuestionStore(Protocol):
    async def sync_questions(self, rows: Sequence[QuestionRow]) -> SyncReport: ...
    async def active_question_ids(self) -> set[str]: ...


class CardStore(Protocol):
    """FSRS state per learner and question."""

    async def get_card(self, learner_id: int, question_id: str) -> CardState | None: ...
    async def save_card(self, learner_id: int, question_id: str, card: CardState) -> None: ...
    async def cards_of(self, learner_id: int) -> list[StoredCard]: ...
    async def seen_questions(self, learner_id: int) -> set[str]:
        """Ids of every question the learner has a card for, retired ones included."""
        ...

    async def cards_for(
        self, learner_ids: Sequence[int], question_ids: Sequence[str]
    ) -> dict[tuple[int, str], CardState]: ...
    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[StoredCard]:
        """Active questions only, most overdue first (served by an index on learner, due)."""
        ...

    async def count_due(self, learner_id: int, until: datetime) -> int: ...
    async def due_times(self, learner_id: int, until: datetime) -> list[datetime]:
        """Due instants of the learner's active cards due before `until` (the forecast)."""
        ...


class AnswerStore(Protocol):
    """The append-only review log and what is computed from it."""

    async def add_answer(self, answer: AnswerRecord) -> int:
        """Insert; raises AlreadyAnswered if the learner already answered this post."""
        ...

    async def log_answer(self, answer: AnswerRecord, card: CardState) -> int:
        """Insert the answer and save the learner's card after it, as one write;
        raises AlreadyAnswered (writing nothing) if the learner already answered this post."""
        ...

    async def has_answered(self, post_id: int, learner_id: int) -> bool: ...
    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        """With learner_name and learner_user_id filled in, oldest first."""
        ...

    async def answers_of(self, learner_id: int) -> list[AnswerRecord]: ...
    async def answer_times(self, learner_id: int, since: datetime) -> list[datetime]: ...
    async def recent_channel_learners(
        self, tenant_id: int, channel: str, since: datetime, limit: int | None = None
    ) -> list[int]:
        """Most recently active first; with a limit, the work is bounded too."""
        ...

    async def leaderboard(
        self, tenant_id: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[BoardRow]:
        """Points, correct and answered per learner in [since, until); best first."""
        ...

    async def round_scores(self, round_id: int) -> list[BoardRow]: ...
    async def round_answerers(self, round_id: int, before_position: int) -> set[int]:
        """Learners who answered any question of the round before `before_position`."""
        ...


class PostStore(Protocol):
    """Drill and quiz questions shown in a channel."""

    async def create_post(self, post: NewPost) -> Post | None:
        """None when a drill post for (schedule_id, local_date) already exists."""
        ...

    async def get_post(self, post_id: int) -> Post | None: ...
    async def set_post_message(self, post_id: int, message_id: str) -> None: ...
    async def latest_open_post(self, tenant_id: int, channel: str) -> Post | None:
        """The newest unrevealed post of the channel."""
        ...

    async def post_by_message(self, tenant_id: int, channel: str, message_id: str) -> Post | None:
        """The post whose platform message is `message_id` (indexed)."""
        ...

    async def unrevealed_posts(self) -> list[Post]: ...
    async def claim_reveal(self, post_id: int, now: datetime) -> bool:
        """Mark revealed; True only for the one caller that flipped it."""
        ...

    async def recent_drill_questions(
        self, tenant_id: int, channel: str, limit: int
    ) -> list[str]: ...
    async def drill_post_for(self, schedule_id: int, local_date: date) -> Post | None: ...


class ScheduleStore(Protocol):
    """Drill schedules: one per channel."""

    async def save_schedule(self, schedule: NewSchedule) -> DrillSchedule:
        """Create or replace the channel's schedule (keeps its id); enables it."""
        ...

    async def schedule_for_channel(self, tenant_id: int, channel: str) -> DrillSchedule | None: ...
    async def get_schedule(self, schedule_id: int) -> DrillSchedule | None: ...
    async def enabled_schedules(self) -> list[DrillSchedule]: ...
    async def set_schedule_enabled(
        self, schedule_id: int, enabled: bool, now: datetime
    ) -> None: ...
    async def schedules_created_by(self, learner_id: int) -> list[DrillSchedule]: ...


class RoundStore(Protocol):
    """Group quiz rounds."""

    async def create_round(
        self,
        tenant_id: int,
        channel: str,
        started_by: int,
        question_ids: Sequence[str],
        roster: Sequence[int],
        now: datetime,
    ) -> QuizRound: ...
    async def get_round(self, round_id: int) -> QuizRound | None: ...
    async def active_round(self, tenant_id: int, channel: str) -> QuizRound | None: ...
    async def update_round(self, round_id: int, *, position: int) -> None: ...
    async def rounds_of(self, learner_id: int) -> list[QuizRound]:
        """Rounds the learner started or answered a question of, oldest first."""
        ...

    async def finish_round(self, round_id: int, now: datetime) -> bool:
        """Mark finished; True only for the one caller that finished it."""
        ...


class ReviewStore(Protocol):
    """Personal review sessions."""

    async def create_review(self, review: NewReview) -> ReviewSession: ...
    async def get_review(self, session_id: int) -> ReviewSession | None: ...
    async def reviews_of(self, learner_id: int) -> list[ReviewSession]: ...
    async def save_review_items(
        self, session_id: int, items: Sequence[ReviewItem], now: datetime
    ) -> None: ...


class DeliveryStore(Protocol):
    """The outbox table: messages to say in channels, delivered with retries."""

    async def add_delivery(self, delivery: NewDelivery) -> int | None:
        """The new row's id; None when its dedup_key is already queued."""
        ...

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Undelivered rows whose next attempt is due, oldest first."""
        ...

    async def get_delivery(self, delivery_id: int) -> Delivery | None: ...
    async def delivery_for(self, dedup_key: str) -> Delivery | None: ...
    async def mark_delivered(
        self, delivery_id: int, message_id: str | None, now: datetime
    ) -> None: ...
    async def retry_delivery_at(self, delivery_id: int, attempts: int, when: datetime) -> None: ...
    async def drop_deliveries(self, post_id: int) -> None:
        """Forget what is still undelivered about a post (a question never shown)."""
        ...

    async def next_delivery_at(self) -> datetime | None:
        """When the earliest undelivered row is due; None when nothing waits."""
        ...

    async def drill_channels(self, tenant_id: int) -> list[str]:
        """Channels of the tenant with an enabled drill (weekly boards go there)."""
        ...


class Unit(
    TenantStore,
    LearnerStore,
    QuestionStore,
    CardStore,
    AnswerStore,
    PostStore,
    ScheduleStore,
    RoundStore,
    ReviewStore,
    DeliveryStore,
    Protocol,
):
    """One transaction. Every method runs inside it; leaving the block commits.

    Raising inside the block rolls back. Integrity conflicts the core cares about
    surface as core errors (AlreadyAnswered) or as a None return (create_post).
    """


class Repository(Protocol):
    def unit(self, readonly: bool = False) -> AbstractAsyncContextManager[Unit]:
        """Open a transaction; a unit never outlives one service call.

        A read-only unit never takes SQLite's write lock; writing in it is an error.
        """
        ...


class Outbox(Protocol):
    """How the core speaks in a channel without knowing the platform.

    Only the delivery sender calls it; it retries a failed call with backoff.
    A RevealView names the message it reveals, so adapters can reply or thread.
    """

    async def post(self, place: Place, view: ChannelView) -> str:
        """Post a view; returns the platform message id."""
        ...

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        """Replace a posted question (closed at the reveal: no buttons)."""
        ...


class Timer(Protocol):
    """Wakes the core: when a post's answer window ends, and when a drill is due."""

    def close_at(self, post_id: int, when: datetime) -> None:
        """Call StudyService.close_post(post_id) at `when` (at once if it has passed)."""
        ...

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        """(Re)arm the daily job of an enabled schedule."""
        ...

    def unwatch_schedule(self, schedule_id: int) -> None: ...

    def deliver_soon(self, when: datetime | None = None) -> None:
        """Run StudyService.deliver_pending() soon (at `when`, or at once)."""
        ...

    def watch_boards(self, tenant: Tenant) -> None:
        """(Re)arm the tenant's weekly board job (or drop it when the board is off)."""
        ...
