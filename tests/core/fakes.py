"""In-memory fakes of the core's ports, for fast core unit tests.

FakeRepository keeps every table in plain dicts. A unit snapshots the whole store
on entry and restores it when the block raises, so a failed service call leaves
no trace, as a real transaction would.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.core.errors import AlreadyAnswered
from bot.core.ports import ChannelView, Outbox, Place, Repository, Timer, Unit
from bot.core.records import (
    DELIVERY_KINDS,
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
from bot.core.views import QuestionView


@dataclass(frozen=True)
class _Question:
    row: QuestionRow
    active: bool


@dataclass
class _Tables:
    tenants: dict[int, Tenant] = field(default_factory=dict)
    learners: dict[int, Learner] = field(default_factory=dict)
    questions: dict[str, _Question] = field(default_factory=dict)
    cards: dict[tuple[int, str], CardState] = field(default_factory=dict)
    answers: dict[int, AnswerRecord] = field(default_factory=dict)
    posts: dict[int, Post] = field(default_factory=dict)
    schedules: dict[int, DrillSchedule] = field(default_factory=dict)
    rounds: dict[int, QuizRound] = field(default_factory=dict)
    reviews: dict[int, ReviewSession] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        """Auto-increment per table, starting at 1."""
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]

    def restore(self, snapshot: _Tables) -> None:
        # In place, so every holder of this object sees the rollback.
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(snapshot, f.name))


class FakeRepository:
    """Implements Repository in memory."""

    def __init__(self) -> None:
        self._tables = _Tables()
        self.write_units = 0  # units opened for writing (they take SQLite's write lock)

    def unit(self, readonly: bool = False) -> AbstractAsyncContextManager[FakeUnit]:
        if not readonly:
            self.write_units += 1
        return self._transaction(readonly)

    @asynccontextmanager
    async def _transaction(self, readonly: bool) -> AsyncIterator[FakeUnit]:
        snapshot = copy.deepcopy(self._tables)
        try:
            yield FakeUnit(self._tables)
        except BaseException:
            self._tables.restore(snapshot)
            raise
        if readonly and self._tables != snapshot:
            self._tables.restore(snapshot)
            raise AssertionError("a read-only unit wrote")  # as SQL refuses a write there


class FakeUnit:
    """Implements Unit over the repository's tables."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    # tenants and learners

    async def ensure_tenant(self, platform: str, external_id: str, timezone: str) -> Tenant:
        # An existing tenant keeps its zone; only set_tenant_timezone changes it.
        for tenant in self._t.tenants.values():
            if (tenant.platform, tenant.external_id) == (platform, external_id):
                return tenant
        tenant = Tenant(self._t.next_id("tenants"), platform, external_id, timezone)
        self._t.tenants[tenant.id] = tenant
        return tenant

    async def find_tenant(self, platform: str, external_id: str) -> Tenant | None:
        for tenant in self._t.tenants.values():
            if (tenant.platform, tenant.external_id) == (platform, external_id):
                return tenant
        return None

    async def set_tenant_timezone(self, tenant_id: int, timezone: str, explicit: bool) -> None:
        if tenant := self._t.tenants.get(tenant_id):
            self._t.tenants[tenant_id] = dataclasses.replace(
                tenant, timezone=timezone, timezone_explicit=explicit
            )

    async def set_tenant_board(self, tenant_id: int, day: int | None, at: time) -> None:
        if tenant := self._t.tenants.get(tenant_id):
            self._t.tenants[tenant_id] = dataclasses.replace(tenant, board_day=day, board_time=at)

    async def tenants_with_boards(self) -> list[Tenant]:
        return [t for _, t in sorted(self._t.tenants.items()) if t.board_day is not None]

    async def get_tenant(self, tenant_id: int) -> Tenant | None:
        return self._t.tenants.get(tenant_id)

    async def ensure_learner(self, platform: str, user_id: str, display_name: str) -> Learner:
        learner = await self.find_learner(platform, user_id)
        if learner is None:
            learner = Learner(self._t.next_id("learners"), platform, user_id, display_name)
        else:
            learner = dataclasses.replace(learner, display_name=display_name)
        self._t.learners[learner.id] = learner
        return learner

    async def find_learner(self, platform: str, user_id: str) -> Learner | None:
        for learner in self._t.learners.values():
            if (learner.platform, learner.platform_user_id) == (platform, user_id):
                return learner
        return None

    async def get_learner(self, learner_id: int) -> Learner | None:
        return self._t.learners.get(learner_id)

    async def delete_learner(self, learner_id: int) -> None:
        t = self._t
        t.learners.pop(learner_id, None)
        t.cards = {k: v for k, v in t.cards.items() if k[0] != learner_id}
        t.answers = {k: v for k, v in t.answers.items() if v.learner_id != learner_id}
        t.reviews = {k: v for k, v in t.reviews.items() if v.learner_id != learner_id}
        for rid, quiz in list(t.rounds.items()):
            t.rounds[rid] = dataclasses.replace(
                quiz,
                started_by=0 if quiz.started_by == learner_id else quiz.started_by,
                roster=tuple(x for x in quiz.roster if x != learner_id),
            )
        for sid, schedule in list(t.schedules.items()):
            if schedule.created_by == learner_id:
                t.schedules[sid] = dataclasses.replace(schedule, created_by=None)

    # questions

    async def sync_questions(self, rows: Sequence[QuestionRow]) -> SyncReport:
        added = updated = retired = 0
        incoming = {row.id: row for row in rows}
        for qid, row in incoming.items():
            old = self._t.questions.get(qid)
            if old is None:
                added += 1
            elif old.row != row or not old.active:  # concept or hash changed, or back
                updated += 1
            self._t.questions[qid] = _Question(row, active=True)
        for qid, question in self._t.questions.items():
            if qid not in incoming and question.active:
                self._t.questions[qid] = _Question(question.row, active=False)
                retired += 1
        return SyncReport(added, updated, retired, active=len(incoming))

    async def active_question_ids(self) -> set[str]:
        return {qid for qid, q in self._t.questions.items() if q.active}

    # cards

    async def get_card(self, learner_id: int, question_id: str) -> CardState | None:
        return self._t.cards.get((learner_id, question_id))

    async def save_card(self, learner_id: int, question_id: str, card: CardState) -> None:
        self._t.cards[(learner_id, question_id)] = card

    async def cards_of(self, learner_id: int) -> list[StoredCard]:
        return [
            StoredCard(qid, card)
            for (lid, qid), card in sorted(self._t.cards.items())
            if lid == learner_id
        ]

    async def seen_questions(self, learner_id: int) -> set[str]:
        return {qid for lid, qid in self._t.cards if lid == learner_id}

    async def cards_for(
        self, learner_ids: Sequence[int], question_ids: Sequence[str]
    ) -> dict[tuple[int, str], CardState]:
        return {
            key: card
            for key, card in self._t.cards.items()
            if key[0] in learner_ids and key[1] in question_ids
        }

    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[StoredCard]:
        due = sorted(self._due(learner_id, now), key=lambda c: (c.card.due, c.question_id))
        return due[:limit]

    async def count_due(self, learner_id: int, until: datetime) -> int:
        return len(self._due(learner_id, until))

    async def due_times(self, learner_id: int, until: datetime) -> list[datetime]:
        return sorted(c.card.due for c in self._due(learner_id, until) if c.card.due < until)

    def _due(self, learner_id: int, until: datetime) -> list[StoredCard]:
        active = {qid for qid, q in self._t.questions.items() if q.active}
        return [
            StoredCard(qid, card)
            for (lid, qid), card in self._t.cards.items()
            if lid == learner_id and qid in active and card.due <= until
        ]

    # answers

    async def add_answer(self, answer: AnswerRecord) -> int:
        if answer.post_id is not None and await self.has_answered(
            answer.post_id, answer.learner_id
        ):
            raise AlreadyAnswered()
        answer_id = self._t.next_id("answers")
        # The name is not a column: it is joined in on read, as a real store would.
        self._t.answers[answer_id] = dataclasses.replace(
            answer, id=answer_id, learner_name="", learner_user_id=""
        )
        return answer_id

    async def log_answer(self, answer: AnswerRecord, card: CardState) -> int:
        answer_id = await self.add_answer(answer)
        await self.save_card(answer.learner_id, answer.question_id, card)
        return answer_id

    async def has_answered(self, post_id: int, learner_id: int) -> bool:
        return any(
            a.post_id == post_id and a.learner_id == learner_id for a in self._t.answers.values()
        )

    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        return self._named(a for a in self._t.answers.values() if a.post_id == post_id)

    async def answers_of(self, learner_id: int) -> list[AnswerRecord]:
        return self._named(a for a in self._t.answers.values() if a.learner_id == learner_id)

    def _named(self, answers: Iterable[AnswerRecord]) -> list[AnswerRecord]:
        """Oldest first, with the learner's current name and user id joined in."""
        return [
            dataclasses.replace(
                a, learner_name=self._name(a.learner_id), learner_user_id=self._uid(a.learner_id)
            )
            for a in self._chronological(answers)
        ]

    async def answer_times(self, learner_id: int, since: datetime) -> list[datetime]:
        return [a.answered_at for a in await self.answers_of(learner_id) if a.answered_at >= since]

    async def recent_channel_learners(
        self, tenant_id: int, channel: str, since: datetime, limit: int | None = None
    ) -> list[int]:
        last_seen: dict[int, datetime] = {}
        for a in self._t.answers.values():
            if a.tenant_id == tenant_id and a.channel == channel and a.answered_at >= since:
                last_seen[a.learner_id] = max(a.answered_at, last_seen.get(a.learner_id, since))
        # Latest answer first; learners last seen at the same instant by id.
        return sorted(last_seen, key=lambda lid: (-last_seen[lid].timestamp(), lid))[:limit]

    async def leaderboard(
        self, tenant_id: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[BoardRow]:
        window = (
            a
            for a in self._t.answers.values()
            if a.tenant_id == tenant_id
            and (since is None or a.answered_at >= since)
            and (until is None or a.answered_at < until)
        )
        return self._board(window)[:limit]

    async def round_answerers(self, round_id: int, before_position: int) -> set[int]:
        post_ids = {
            p.id
            for p in self._t.posts.values()
            if p.round_id == round_id and p.position is not None and p.position < before_position
        }
        return {a.learner_id for a in self._t.answers.values() if a.post_id in post_ids}

    async def round_scores(self, round_id: int) -> list[BoardRow]:
        post_ids = {p.id for p in self._t.posts.values() if p.round_id == round_id}
        return self._board(a for a in self._t.answers.values() if a.post_id in post_ids)

    def _board(self, answers: Iterable[AnswerRecord]) -> list[BoardRow]:
        totals: dict[int, tuple[int, int, int]] = {}
        for a in answers:
            points, correct, answered = totals.get(a.learner_id, (0, 0, 0))
            totals[a.learner_id] = (points + a.points, correct + int(a.correct), answered + 1)
        rows = [
            BoardRow(lid, self._name(lid), points, correct, answered, self._uid(lid))
            for lid, (points, correct, answered) in totals.items()
        ]
        return sorted(rows, key=lambda r: (-r.points, -r.correct, r.display_name, r.learner_id))

    def _name(self, learner_id: int) -> str:
        learner = self._t.learners.get(learner_id)
        return learner.display_name if learner else ""

    def _uid(self, learner_id: int) -> str:
        learner = self._t.learners.get(learner_id)
        return learner.platform_user_id if learner else ""

    @staticmethod
    def _chronological(answers: Iterable[AnswerRecord]) -> list[AnswerRecord]:
        return sorted(answers, key=lambda a: (a.answered_at, a.id or 0))

    # posts

    async def create_post(self, post: NewPost) -> Post | None:
        if post.kind not in ("drill", "quiz"):
            raise ValueError(f"unknown post kind {post.kind!r}")  # SQL: a CHECK
        if (
            post.schedule_id is not None
            and post.local_date is not None
            and await self.drill_post_for(post.schedule_id, post.local_date)
        ):
            return None
        created = Post(
            id=self._t.next_id("posts"),
            kind=post.kind,
            tenant_id=post.tenant_id,
            channel=post.channel,
            question_id=post.question_id,
            message_id=None,
            opens_at=post.opens_at,
            closes_at=post.closes_at,
            revealed_at=None,
            schedule_id=post.schedule_id,
            local_date=post.local_date,
            round_id=post.round_id,
            position=post.position,
        )
        self._t.posts[created.id] = created
        return created

    async def get_post(self, post_id: int) -> Post | None:
        return self._t.posts.get(post_id)

    async def set_post_message(self, post_id: int, message_id: str) -> None:
        if post := self._t.posts.get(post_id):
            self._t.posts[post_id] = dataclasses.replace(post, message_id=message_id)

    async def latest_open_post(self, tenant_id: int, channel: str) -> Post | None:
        open_posts = [
            p
            for p in self._t.posts.values()
            if p.tenant_id == tenant_id and p.channel == channel and p.revealed_at is None
        ]
        return max(open_posts, key=lambda p: (p.opens_at, p.id), default=None)

    async def post_by_message(self, tenant_id: int, channel: str, message_id: str) -> Post | None:
        matching = [
            post
            for post in self._t.posts.values()
            if (post.tenant_id, post.channel, post.message_id) == (tenant_id, channel, message_id)
        ]
        return max(matching, key=lambda post: post.id, default=None)

    async def unrevealed_posts(self) -> list[Post]:
        return sorted(
            (p for p in self._t.posts.values() if p.revealed_at is None),
            key=lambda p: (p.closes_at, p.id),
        )

    async def claim_reveal(self, post_id: int, now: datetime) -> bool:
        post = self._t.posts.get(post_id)
        if post is None or post.revealed_at is not None:
            return False
        self._t.posts[post_id] = dataclasses.replace(post, revealed_at=now)
        return True

    async def recent_drill_questions(self, tenant_id: int, channel: str, limit: int) -> list[str]:
        drills = sorted(
            (
                p
                for p in self._t.posts.values()
                if p.kind == "drill" and p.tenant_id == tenant_id and p.channel == channel
            ),
            key=lambda p: (p.opens_at, p.id),
            reverse=True,
        )
        return [p.question_id for p in drills[:limit]]

    async def drill_post_for(self, schedule_id: int, local_date: date) -> Post | None:
        for post in self._t.posts.values():
            if (post.schedule_id, post.local_date) == (schedule_id, local_date):
                return post
        return None

    # drill schedules

    async def save_schedule(self, schedule: NewSchedule) -> DrillSchedule:
        existing = await self.schedule_for_channel(schedule.tenant_id, schedule.channel)
        saved = DrillSchedule(
            id=existing.id if existing else self._t.next_id("schedules"),
            tenant_id=schedule.tenant_id,
            channel=schedule.channel,
            local_time=schedule.local_time,
            timezone=schedule.timezone,
            weekdays=tuple(sorted(set(schedule.weekdays))),
            window_minutes=schedule.window_minutes,
            concept=schedule.concept,
            enabled=True,
            created_by=schedule.created_by,
            updated_at=schedule.updated_at,
        )
        self._t.schedules[saved.id] = saved
        return saved

    async def schedule_for_channel(self, tenant_id: int, channel: str) -> DrillSchedule | None:
        for schedule in self._t.schedules.values():
            if (schedule.tenant_id, schedule.channel) == (tenant_id, channel):
                return schedule
        return None

    async def get_schedule(self, schedule_id: int) -> DrillSchedule | None:
        return self._t.schedules.get(schedule_id)

    async def enabled_schedules(self) -> list[DrillSchedule]:
        return [s for _, s in sorted(self._t.schedules.items()) if s.enabled]

    async def set_schedule_enabled(self, schedule_id: int, enabled: bool, now: datetime) -> None:
        if schedule := self._t.schedules.get(schedule_id):
            self._t.schedules[schedule_id] = dataclasses.replace(
                schedule, enabled=enabled, updated_at=now
            )

    async def schedules_created_by(self, learner_id: int) -> list[DrillSchedule]:
        return [s for _, s in sorted(self._t.schedules.items()) if s.created_by == learner_id]

    # quiz rounds

    async def rounds_of(self, learner_id: int) -> list[QuizRound]:
        answered = {
            self._t.posts[a.post_id].round_id
            for a in self._t.answers.values()
            if a.learner_id == learner_id and a.post_id in self._t.posts
        }
        return [
            r
            for _, r in sorted(self._t.rounds.items())
            if r.started_by == learner_id or r.id in answered
        ]

    async def create_round(
        self,
        tenant_id: int,
        channel: str,
        started_by: int,
        question_ids: Sequence[str],
        roster: Sequence[int],
        now: datetime,
    ) -> QuizRound:
        quiz = QuizRound(
            id=self._t.next_id("rounds"),
            tenant_id=tenant_id,
            channel=channel,
            started_by=started_by,
            question_ids=tuple(question_ids),
            position=0,
            roster=tuple(roster),
            started_at=now,
            finished_at=None,
        )
        self._t.rounds[quiz.id] = quiz
        return quiz

    async def get_round(self, round_id: int) -> QuizRound | None:
        return self._t.rounds.get(round_id)

    async def active_round(self, tenant_id: int, channel: str) -> QuizRound | None:
        running = [
            r
            for r in self._t.rounds.values()
            if r.tenant_id == tenant_id and r.channel == channel and r.finished_at is None
        ]
        return max(running, key=lambda r: (r.started_at, r.id), default=None)

    async def update_round(self, round_id: int, *, position: int) -> None:
        if quiz := self._t.rounds.get(round_id):
            self._t.rounds[round_id] = dataclasses.replace(quiz, position=position)

    async def finish_round(self, round_id: int, now: datetime) -> bool:
        quiz = self._t.rounds.get(round_id)
        if quiz is None or quiz.finished_at is not None:
            return False
        self._t.rounds[round_id] = dataclasses.replace(quiz, finished_at=now)
        return True

    # review sessions

    async def create_review(self, review: NewReview) -> ReviewSession:
        session = ReviewSession(
            id=self._t.next_id("reviews"),
            learner_id=review.learner_id,
            tenant_id=review.tenant_id,
            size=review.size,
            items=tuple(review.items),
            started_at=review.started_at,
            last_activity_at=review.started_at,
        )
        self._t.reviews[session.id] = session
        return session

    async def reviews_of(self, learner_id: int) -> list[ReviewSession]:
        return [r for _, r in sorted(self._t.reviews.items()) if r.learner_id == learner_id]

    async def get_review(self, session_id: int) -> ReviewSession | None:
        return self._t.reviews.get(session_id)

    async def save_review_items(
        self, session_id: int, items: Sequence[ReviewItem], now: datetime
    ) -> None:
        if session := self._t.reviews.get(session_id):
            self._t.reviews[session_id] = dataclasses.replace(
                session, items=tuple(items), last_activity_at=now
            )

    # deliveries

    async def add_delivery(self, delivery: NewDelivery) -> int | None:
        if delivery.kind not in DELIVERY_KINDS:
            raise ValueError(f"unknown delivery kind {delivery.kind!r}")  # SQL: a CHECK
        if not isinstance(delivery.dedup_key, str):
            raise ValueError("a delivery needs its dedup key")  # SQL: NOT NULL
        if await self.delivery_for(delivery.dedup_key) is not None:
            return None
        row = Delivery(
            id=self._t.next_id("deliveries"),
            kind=delivery.kind,
            tenant_id=delivery.tenant_id,
            channel=delivery.channel,
            dedup_key=delivery.dedup_key,
            created_at=delivery.created_at,
            next_attempt_at=delivery.created_at,
            post_id=delivery.post_id,
            round_id=delivery.round_id,
            week_start=delivery.week_start,
        )
        self._t.deliveries[row.id] = row
        return row.id

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        due = [
            d
            for _, d in sorted(self._t.deliveries.items())
            if d.delivered_at is None and d.next_attempt_at <= now
        ]
        return due[:limit]

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        return self._t.deliveries.get(delivery_id)

    async def delivery_for(self, dedup_key: str) -> Delivery | None:
        for row in self._t.deliveries.values():
            if row.dedup_key == dedup_key:
                return row
        return None

    async def mark_delivered(self, delivery_id: int, message_id: str | None, now: datetime) -> None:
        if row := self._t.deliveries.get(delivery_id):
            self._t.deliveries[delivery_id] = dataclasses.replace(
                row,
                delivered_at=now,
                message_id=row.message_id if message_id is None else message_id,
            )

    async def retry_delivery_at(self, delivery_id: int, attempts: int, when: datetime) -> None:
        if row := self._t.deliveries.get(delivery_id):
            self._t.deliveries[delivery_id] = dataclasses.replace(
                row, attempts=attempts, next_attempt_at=when
            )

    async def drop_deliveries(self, post_id: int) -> None:
        self._t.deliveries = {
            k: d
            for k, d in self._t.deliveries.items()
            if not (d.post_id == post_id and d.delivered_at is None)
        }

    async def next_delivery_at(self) -> datetime | None:
        waiting = [d.next_attempt_at for d in self._t.deliveries.values() if d.delivered_at is None]
        return min(waiting, default=None)

    async def drill_channels(self, tenant_id: int) -> list[str]:
        return sorted(
            s.channel for s in self._t.schedules.values() if s.tenant_id == tenant_id and s.enabled
        )


class RecordingOutbox:
    """Implements Outbox by remembering what would have been said; `failures` makes
    the next calls fail, as a platform outage would."""

    def __init__(self, *, fail_next: bool = False) -> None:
        self.posts: list[tuple[Place, ChannelView]] = []
        self.edits: list[tuple[Place, str, QuestionView]] = []
        self.failures = 1 if fail_next else 0

    @property
    def fail_next(self) -> bool:
        return self.failures > 0

    @fail_next.setter
    def fail_next(self, value: bool) -> None:
        self.failures = 1 if value else 0

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("outbox down")

    async def post(self, place: Place, view: ChannelView) -> str:
        self._maybe_fail()
        self.posts.append((place, view))
        return f"m{len(self.posts)}"

    async def edit(self, place: Place, message_id: str, view: QuestionView) -> None:
        self._maybe_fail()
        self.edits.append((place, message_id, view))


class RecordingTimer:
    """Implements Timer by remembering the alarms and daily jobs it was asked to keep."""

    def __init__(self) -> None:
        self.alarms: list[tuple[int, datetime]] = []
        self.watched: dict[int, DrillSchedule] = {}  # armed daily jobs by schedule id
        self.deliveries: list[datetime | None] = []
        self.boards: dict[int, Tenant] = {}

    def close_at(self, post_id: int, when: datetime) -> None:
        self.alarms.append((post_id, when))

    def watch_schedule(self, schedule: DrillSchedule) -> None:
        self.watched[schedule.id] = schedule

    def unwatch_schedule(self, schedule_id: int) -> None:
        self.watched.pop(schedule_id, None)

    def deliver_soon(self, when: datetime | None = None) -> None:
        self.deliveries.append(when)

    def watch_boards(self, tenant: Tenant) -> None:
        self.boards[tenant.id] = tenant


def _check_protocols() -> None:
    """Never called: lets mypy prove each fake satisfies its port."""
    _r: Repository = FakeRepository()
    _u: Unit = FakeUnit(_Tables())
    _o: Outbox = RecordingOutbox()
    _t: Timer = RecordingTimer()
