"""The append-only answer log, and the boards computed from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.core.errors import AlreadyAnswered
from bot.core.records import AnswerRecord, BoardRow
from bot.storage import mapping
from bot.storage.tables import answers, learners, posts
from bot.storage.transaction import Transaction


class AnswerTables(Transaction):
    """The AnswerStore port."""

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
        return await self._first(query) is not None

    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        """With learner_name and learner_user_id filled in, oldest first."""
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
        """Points, correct and answered per learner in [since, until); best first.

        Ties: more points, then more correct, then name, then learner id.
        """
        window = [answers.c.tenant_id == tenant_id]
        if since is not None:
            window.append(answers.c.answered_at >= since)
        if until is not None:
            window.append(answers.c.answered_at < until)
        return await self._board(*window, limit=limit)

    async def round_scores(self, round_id: int) -> list[BoardRow]:
        """The leaderboard of one quiz round, best first."""
        return await self._board(answers.c.post_id.in_(self._round_posts(round_id)))

    async def round_answerers(self, round_id: int, before_position: int) -> set[int]:
        """Learners who answered any question of the round before `before_position`."""
        earlier = self._round_posts(round_id).where(posts.c.position < before_position)
        query = select(answers.c.learner_id).where(answers.c.post_id.in_(earlier)).distinct()
        return set((await self._db.execute(query)).scalars())

    # shared queries

    @staticmethod
    def _round_posts(round_id: int) -> Any:
        return select(posts.c.id).where(posts.c.round_id == round_id)

    async def _answers(self, *where: Any) -> list[AnswerRecord]:
        query = (
            select(answers, learners.c.display_name, learners.c.platform_user_id)
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
                learners.c.platform_user_id,
                points.label("points"),
                correct.label("correct"),
                func.count().label("answered"),
            )
            .join(learners, learners.c.id == answers.c.learner_id)
            .where(*where)
            .group_by(answers.c.learner_id, learners.c.display_name, learners.c.platform_user_id)
            .order_by(
                points.desc(),
                correct.desc(),
                self._in_code_point_order(learners.c.display_name),
                answers.c.learner_id,
            )
            .limit(limit)
        )
        return [mapping.board_row(row) for row in await self._rows(query)]
