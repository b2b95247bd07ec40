"""What learners know and did: tenants, learners, questions, cards, answers, boards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from bot.core.errors import AlreadyAnswered
from bot.core.records import (
    AnswerRecord,
    BoardRow,
    Learner,
    QuestionRow,
    StoredCard,
    SyncReport,
    Tenant,
)
from bot.core.srs import CardState
from bot.storage import mapping
from bot.storage.tables import answers, cards, drill_schedules, learners, posts, questions, tenants
from bot.storage.transaction import Transaction


class LearningStore(Transaction):
    """Tenants, learners, questions, cards, answers and leaderboards of a unit of work."""

    # tenants and learners

    async def ensure_tenant(self, platform: str, external_id: str, timezone: str) -> Tenant:
        """The tenant, created with `timezone` if new; an existing zone is kept."""
        query = select(tenants).where(
            tenants.c.platform == platform, tenants.c.external_id == external_id
        )
        row = (await self._db.execute(query)).one_or_none()
        if row is None:
            values = {"platform": platform, "external_id": external_id, "timezone": timezone}
            row = await self._insert_or_none(insert(tenants).values(values).returning(tenants))
        if row is None:  # created by a concurrent unit since our select
            row = (await self._db.execute(query)).one()
        return mapping.tenant(row)

    async def set_tenant_timezone(self, tenant_id: int, timezone: str) -> None:
        await self._db.execute(
            update(tenants).where(tenants.c.id == tenant_id).values(timezone=timezone)
        )

    async def get_tenant(self, tenant_id: int) -> Tenant | None:
        row = (await self._db.execute(select(tenants).where(tenants.c.id == tenant_id))).first()
        return mapping.tenant(row) if row else None

    async def ensure_learner(self, platform: str, user_id: str, display_name: str) -> Learner:
        """The learner, created if new; a changed display name is updated."""
        learner = await self.find_learner(platform, user_id)
        if learner is None:
            values = {
                "platform": platform,
                "platform_user_id": user_id,
                "display_name": display_name,
            }
            row = await self._insert_or_none(insert(learners).values(values).returning(learners))
            if row is not None:
                return mapping.learner(row)
            # A concurrent unit created them since our select.
            learner = await self.find_learner(platform, user_id)
            assert learner is not None
        if learner.display_name != display_name:
            await self._db.execute(
                update(learners)
                .where(learners.c.id == learner.id)
                .values(display_name=display_name)
            )
        return replace(learner, display_name=display_name)

    async def find_learner(self, platform: str, user_id: str) -> Learner | None:
        query = select(learners).where(
            learners.c.platform == platform, learners.c.platform_user_id == user_id
        )
        row = (await self._db.execute(query)).first()
        return mapping.learner(row) if row else None

    async def get_learner(self, learner_id: int) -> Learner | None:
        query = select(learners).where(learners.c.id == learner_id)
        row = (await self._db.execute(query)).first()
        return mapping.learner(row) if row else None

    async def delete_learner(self, learner_id: int) -> None:
        # Explicit deletes rather than trusting ON DELETE CASCADE: SQLite only
        # cascades on connections that enabled foreign keys.
        await self._db.execute(delete(answers).where(answers.c.learner_id == learner_id))
        await self._db.execute(delete(cards).where(cards.c.learner_id == learner_id))
        await self._db.execute(
            update(drill_schedules)
            .where(drill_schedules.c.created_by == learner_id)
            .values(created_by=None)
        )
        await self._db.execute(delete(learners).where(learners.c.id == learner_id))

    # questions

    async def sync_questions(self, rows: Sequence[QuestionRow]) -> SyncReport:
        """Upsert the bank; questions no longer in it go inactive, never away.

        Updated counts rows whose concept or hash changed, or that came back.
        """
        wanted = {row.id: row for row in rows}
        stored = {
            row.id: row
            for row in await self._db.execute(
                select(
                    questions.c.id,
                    questions.c.concept,
                    questions.c.content_hash,
                    questions.c.active,
                )
            )
        }
        added = [
            {"id": q.id, "concept": q.concept, "content_hash": q.content_hash, "active": True}
            for q in wanted.values()
            if q.id not in stored
        ]
        changed = [
            q
            for q in wanted.values()
            if q.id in stored
            and (stored[q.id].concept, stored[q.id].content_hash, bool(stored[q.id].active))
            != (q.concept, q.content_hash, True)
        ]
        retired = [qid for qid, row in stored.items() if row.active and qid not in wanted]
        if added:
            await self._db.execute(insert(questions), added)
        for q in changed:
            await self._db.execute(
                update(questions)
                .where(questions.c.id == q.id)
                .values(concept=q.concept, content_hash=q.content_hash, active=True)
            )
        if retired:
            await self._db.execute(
                update(questions).where(questions.c.id.in_(retired)).values(active=False)
            )
        return SyncReport(
            added=len(added), updated=len(changed), retired=len(retired), active=len(wanted)
        )

    async def active_question_ids(self) -> set[str]:
        result = await self._db.execute(select(questions.c.id).where(questions.c.active))
        return set(result.scalars())

    # cards

    async def get_card(self, learner_id: int, question_id: str) -> CardState | None:
        query = select(cards).where(
            cards.c.learner_id == learner_id, cards.c.question_id == question_id
        )
        row = (await self._db.execute(query)).first()
        return mapping.card(row) if row else None

    async def save_card(self, learner_id: int, question_id: str, card: CardState) -> None:
        values = mapping.card_values(card)
        where = and_(cards.c.learner_id == learner_id, cards.c.question_id == question_id)
        result = await self._db.execute(update(cards).where(where).values(values))
        if result.rowcount:
            return
        new = insert(cards).values(learner_id=learner_id, question_id=question_id, **values)
        if await self._insert_or_none(new.returning(cards.c.id)) is None:
            # A concurrent unit created the card between our update and insert.
            await self._db.execute(update(cards).where(where).values(values))

    async def cards_of(self, learner_id: int) -> list[StoredCard]:
        """Every card of the learner, retired questions included, by question id."""
        query = select(cards).where(cards.c.learner_id == learner_id).order_by(cards.c.question_id)
        return [StoredCard(row.question_id, mapping.card(row)) for row in await self._rows(query)]

    async def cards_for(
        self, learner_ids: Sequence[int], question_ids: Sequence[str]
    ) -> dict[tuple[int, str], CardState]:
        if not learner_ids or not question_ids:
            return {}
        query = select(cards).where(
            cards.c.learner_id.in_(learner_ids), cards.c.question_id.in_(question_ids)
        )
        return {
            (row.learner_id, row.question_id): mapping.card(row) for row in await self._rows(query)
        }

    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[StoredCard]:
        """Active questions only, most overdue first (served by an index on learner, due)."""
        query = (
            self._due(learner_id, now, cards)
            .order_by(cards.c.due, cards.c.question_id)
            .limit(limit)
        )
        return [StoredCard(row.question_id, mapping.card(row)) for row in await self._rows(query)]

    async def count_due(self, learner_id: int, until: datetime) -> int:
        """Cards of active questions due at or before `until`."""
        query = self._due(learner_id, until, func.count())
        return int((await self._db.execute(query)).scalar_one())

    # answers

    async def add_answer(self, answer: AnswerRecord) -> int:
        """Insert; raises AlreadyAnswered if the learner already answered this post."""
        statement = insert(answers).values(mapping.answer_values(answer)).returning(answers.c.id)
        try:
            async with self._db.begin_nested():
                return int((await self._db.execute(statement)).scalar_one())
        except IntegrityError as err:
            if answer.post_id is not None and await self.has_answered(
                answer.post_id, answer.learner_id
            ):
                raise AlreadyAnswered() from err
            raise

    async def has_answered(self, post_id: int, learner_id: int) -> bool:
        query = select(answers.c.id).where(
            answers.c.post_id == post_id, answers.c.learner_id == learner_id
        )
        return (await self._db.execute(query)).first() is not None

    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        """With learner_name filled in, oldest first."""
        return await self._answers(answers.c.post_id == post_id)

    async def answers_of(self, learner_id: int) -> list[AnswerRecord]:
        """Oldest first."""
        return await self._answers(answers.c.learner_id == learner_id)

    async def answer_times(self, learner_id: int, since: datetime) -> list[datetime]:
        query = (
            select(answers.c.answered_at)
            .where(answers.c.learner_id == learner_id, answers.c.answered_at >= since)
            .order_by(answers.c.answered_at)
        )
        return list((await self._db.execute(query)).scalars())

    async def recent_channel_learners(
        self, tenant_id: int, channel: str, since: datetime
    ) -> list[int]:
        """Learners who answered in the channel since `since`, most recently active first."""
        last_seen = func.max(answers.c.answered_at)
        query = (
            select(answers.c.learner_id)
            .where(
                answers.c.tenant_id == tenant_id,
                answers.c.channel == channel,
                answers.c.answered_at >= since,
            )
            .group_by(answers.c.learner_id)
            .order_by(last_seen.desc(), answers.c.learner_id)
        )
        return list((await self._db.execute(query)).scalars())

    async def leaderboard(
        self, tenant_id: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[BoardRow]:
        """Points, correct and answered per learner in [since, until); best first."""
        window = [answers.c.tenant_id == tenant_id]
        if since is not None:
            window.append(answers.c.answered_at >= since)
        if until is not None:
            window.append(answers.c.answered_at < until)
        return await self._board(*window, limit=limit)

    async def round_scores(self, round_id: int) -> list[BoardRow]:
        """The leaderboard of one quiz round, best first."""
        in_round = answers.c.post_id.in_(select(posts.c.id).where(posts.c.round_id == round_id))
        return await self._board(in_round)

    # shared queries

    def _due(self, learner_id: int, until: datetime, *columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .join_from(cards, questions, questions.c.id == cards.c.question_id)
            .where(cards.c.learner_id == learner_id, cards.c.due <= until, questions.c.active)
        )

    async def _answers(self, *where: Any) -> list[AnswerRecord]:
        query = (
            select(answers, learners.c.display_name)
            .join(learners, learners.c.id == answers.c.learner_id)
            .where(*where)
            .order_by(answers.c.answered_at, answers.c.id)
        )
        return [mapping.answer(row) for row in await self._rows(query)]

    async def _board(self, *where: Any, limit: int | None = None) -> list[BoardRow]:
        points = func.sum(answers.c.points)
        correct = func.sum(case((answers.c.correct, 1), else_=0))
        query = (
            select(
                answers.c.learner_id,
                learners.c.display_name,
                points.label("points"),
                correct.label("correct"),
                func.count().label("answered"),
            )
            .join(learners, learners.c.id == answers.c.learner_id)
            .where(*where)
            .group_by(answers.c.learner_id, learners.c.display_name)
            .order_by(points.desc(), correct.desc(), learners.c.display_name, answers.c.learner_id)
            .limit(limit)
        )
        return [mapping.board_row(row) for row in await self._rows(query)]
