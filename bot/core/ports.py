"""The ports the core depends on. Storage, platforms and timers implement them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.records import (
    AnswerRecord,
    BoardRow,
    DrillSchedule,
    Learner,
    NewPost,
    NewSchedule,
    Post,
    QuestionRow,
    QuizRound,
    StoredCard,
    SyncReport,
    Tenant,
)
from bot.core.srs import CardState


@dataclass(frozen=True)
class Place:
    """Where something happens: a channel of a tenant (guild, workspace, console)."""

    platform: str
    tenant: str
    channel: str


@dataclass(frozen=True)
class Who:
    """A learner as a platform names them."""

    platform: str
    user_id: str
    display_name: str


class Unit(Protocol):
    """One transaction. Every method runs inside it; leaving the block commits.

    Raising inside the block rolls back. Integrity conflicts the core cares about
    surface as core errors (AlreadyAnswered) or as a None return (create_post).
    """

    # tenants and learners
    async def ensure_tenant(self, platform: str, external_id: str, timezone: str) -> Tenant: ...
    async def set_tenant_timezone(self, tenant_id: int, timezone: str) -> None: ...
    async def ensure_learner(self, platform: str, user_id: str, display_name: str) -> Learner: ...
    async def find_learner(self, platform: str, user_id: str) -> Learner | None: ...
    async def get_learner(self, learner_id: int) -> Learner | None: ...
    async def delete_learner(self, learner_id: int) -> None: ...

    # questions
    async def sync_questions(self, rows: Sequence[QuestionRow]) -> SyncReport: ...
    async def active_question_ids(self) -> set[str]: ...

    # cards (FSRS state per learner and question)
    async def get_card(self, learner_id: int, question_id: str) -> CardState | None: ...
    async def save_card(self, learner_id: int, question_id: str, card: CardState) -> None: ...
    async def cards_of(self, learner_id: int) -> list[StoredCard]: ...
    async def cards_for(
        self, learner_ids: Sequence[int], question_ids: Sequence[str]
    ) -> dict[tuple[int, str], CardState]: ...
    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[StoredCard]:
        """Active questions only, most overdue first (served by an index on learner, due)."""
        ...

    async def count_due(self, learner_id: int, until: datetime) -> int: ...

    # answers (append-only review log)
    async def add_answer(self, answer: AnswerRecord) -> int:
        """Insert; raises AlreadyAnswered if the learner already answered this post."""
        ...

    async def has_answered(self, post_id: int, learner_id: int) -> bool: ...
    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        """With learner_name filled in, oldest first."""
        ...

    async def answers_of(self, learner_id: int) -> list[AnswerRecord]: ...
    async def answer_times(self, learner_id: int, since: datetime) -> list[datetime]: ...
    async def recent_channel_learners(
        self, tenant_id: int, channel: str, since: datetime
    ) -> list[int]: ...
    async def leaderboard(
        self, tenant_id: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[BoardRow]:
        """Points, correct and answered per learner in [since, until); best first."""
        ...

    async def round_scores(self, round_id: int) -> list[BoardRow]: ...

    # posts (drill and quiz questions shown in a channel)
    async def create_post(self, post: NewPost) -> Post | None:
        """None when a drill post for (schedule_id, local_date) already exists."""
        ...

    async def get_post(self, post_id: int) -> Post | None: ...
    async def set_post_message(self, post_id: int, message_id: str) -> None: ...
    async def latest_open_post(self, tenant_id: int, channel: str) -> Post | None:
        """The newest unrevealed post of the channel."""
        ...

    async def unrevealed_posts(self) -> list[Post]: ...
    async def claim_reveal(self, post_id: int, now: datetime) -> bool:
        """Mark revealed; True only for the one caller that flipped it."""
        ...

    async def recent_drill_questions(
        self, tenant_id: int, channel: str, limit: int
    ) -> list[str]: ...
    async def drill_post_for(self, schedule_id: int, local_date: date) -> Post | None: ...

    # drill schedules (one per channel)
    async def save_schedule(self, schedule: NewSchedule) -> DrillSchedule:
        """Create or replace the channel's schedule (keeps its id); enables it."""
        ...

    async def schedule_for_channel(self, tenant_id: int, channel: str) -> DrillSchedule | None: ...
    async def get_schedule(self, schedule_id: int) -> DrillSchedule | None: ...
    async def enabled_schedules(self) -> list[DrillSchedule]: ...
    async def set_schedule_enabled(
        self, schedule_id: int, enabled: bool, now: datetime
    ) -> None: ...
    async def get_tenant(self, tenant_id: int) -> Tenant | None: ...

    # quiz rounds
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
    async def update_round(
        self, round_id: int, *, position: int | None = None, roster: Sequence[int] | None = None
    ) -> None: ...
    async def finish_round(self, round_id: int, now: datetime) -> None: ...


class Repository(Protocol):
    def unit(self) -> AbstractAsyncContextManager[Unit]:
        """Open a transaction; a unit never outlives one service call."""
        ...


class Outbox(Protocol):
    """How the core speaks in a channel without knowing the platform."""

    async def post(self, place: Place, view: object) -> str:
        """Post a view; returns the platform message id."""
        ...

    async def edit(self, place: Place, message_id: str, view: object) -> None: ...


class Timer(Protocol):
    """Wakes the core: when a post's answer window ends, and when a drill is due."""

    def close_at(self, post_id: int, when: datetime) -> None:
        """Call StudyService.close_post(post_id) at `when` (at once if it has passed)."""
        ...

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        """(Re)arm the daily job of an enabled schedule."""
        ...

    def unwatch_schedule(self, schedule_id: int) -> None: ...
