"""The append-only answer log, the score tables kept with it, and the boards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from bot.core.errors import AlreadyAnswered
from bot.core.records import AnswerRecord, BoardRow
from bot.core.srs import CardState
from bot.storage import mapping, statements
from bot.storage.scores import ScoreTables
from bot.storage.tables import answers, learners, posts
from bot.storage.weeks import week_of, week_start_of

# The drill pick's sample reads at most this many of a channel's latest answers per
# learner it wants (see recent_channel_learners).
SAMPLE_ANSWERS_PER_LEARNER = 10


class AnswerTables(ScoreTables):
    """The AnswerStore port."""

    async def add_answer(self, answer: AnswerRecord) -> int:
        """Insert (and count it in the score tables); AlreadyAnswered if the learner
        already answered this post."""
        return await self.log_answer(answer, None)

    async def log_answer(self, answer: AnswerRecord, card: CardState | None) -> int:
        """Log the answer, save the card it left and count it in the score tables, as one
        write (one statement on Postgres); AlreadyAnswered if the learner already
        answered this post, with nothing written."""
        week = week_of(answer.answered_at, await self._zone_of(answer.tenant_id))
        values = statements.answer_parameters(answer, card, week)
        if self._db.dialect.name == "postgresql":
            answer_id = await self._db.scalar(statements.pg_log_answer(card is not None), values)
        else:
            answer_id = await self._db.scalar(statements.SQLITE_ADD_ANSWER, values)
            if answer_id is not None:
                if card is not None:
                    await self._db.run(statements.upsert_card("sqlite"), values)
                await self._add_scores(answer, week)
        if answer_id is None:
            raise AlreadyAnswered()
        return int(answer_id)

    async def has_answered(self, post_id: int, learner_id: int) -> bool:
        query = select(answers.c.id).where(
            answers.c.post_id == post_id, answers.c.learner_id == learner_id
        )
        return await self._first(query) is not None

    async def answers_for_post(self, post_id: int) -> list[AnswerRecord]:
        """With learner_name and learner_user_id filled in, oldest first."""
        rows = await self._db.all(statements.ANSWERS_FOR_POST, {"post_id": post_id})
        return [mapping.answer(row) for row in rows]

    async def answers_of(self, learner_id: int) -> list[AnswerRecord]:
        """Oldest first."""
        rows = await self._db.all(statements.ANSWERS_OF, {"learner_id": learner_id})
        return [mapping.answer(row) for row in rows]

    async def answer_times(self, learner_id: int, since: datetime) -> list[datetime]:
        query = (
            select(answers.c.answered_at)
            .where(answers.c.learner_id == learner_id, answers.c.answered_at >= since)
            .order_by(answers.c.answered_at)
        )
        return list((await self._db.execute(query)).scalars())

    async def recent_channel_learners(
        self, tenant_id: int, channel: str, since: datetime, limit: int | None = None
    ) -> list[int]:
        """Learners who answered in the channel since `since`, most recently active first.

        With a limit the work is bounded too: only the channel's latest
        `limit * SAMPLE_ANSWERS_PER_LEARNER` answers are read, newest first (the tenant's
        answers by time are indexed; another channel's are skipped).
        """
        window = (
            answers.c.tenant_id == tenant_id,
            answers.c.channel == channel,
            answers.c.answered_at >= since,
        )
        if limit is None:
            source: Any = answers
            where: tuple[Any, ...] = window
        else:
            source = (
                select(answers.c.learner_id, answers.c.answered_at)
                .where(*window)
                .order_by(answers.c.answered_at.desc())
                .limit(limit * SAMPLE_ANSWERS_PER_LEARNER)
                .subquery()
            )
            where = ()
        query = (
            select(source.c.learner_id)
            .where(*where)
            .group_by(source.c.learner_id)
            .order_by(func.max(source.c.answered_at).desc(), source.c.learner_id)
            .limit(limit)
        )
        return list((await self._db.execute(query)).scalars())

    async def leaderboard(
        self, tenant_id: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[BoardRow]:
        """Points, correct and answered per learner in [since, until); best first.

        Ties: more points, then more correct, then name, then learner id. All time and a
        week of the tenant's zone are read from the score tables; any other span is
        summed from the log.
        """
        if since is None and until is None:
            return await self._score_board(tenant_id, None, limit)
        if since is not None and until is not None:
            week = week_start_of(since, until, await self._zone_of(tenant_id))
            if week is not None:
                return await self._score_board(tenant_id, week, limit)
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
