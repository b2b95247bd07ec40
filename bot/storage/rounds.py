"""Group quiz rounds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from bot.core.records import QuizRound
from bot.storage import mapping
from bot.storage.tables import answers, posts, quiz_rounds
from bot.storage.transaction import Transaction


class RoundTables(Transaction):
    """The RoundStore port."""

    async def create_round(
        self,
        tenant_id: int,
        channel: str,
        started_by: int,
        question_ids: Sequence[str],
        roster: Sequence[int],
        now: datetime,
    ) -> QuizRound:
        statement = (
            insert(quiz_rounds)
            .values(
                tenant_id=tenant_id,
                channel=channel,
                started_by=started_by,
                question_ids=list(question_ids),
                position=0,
                roster=list(roster),
                started_at=now,
            )
            .returning(quiz_rounds)
        )
        return mapping.quiz_round((await self._db.execute(statement)).one())

    async def get_round(self, round_id: int) -> QuizRound | None:
        return await self._round(quiz_rounds.c.id == round_id)

    async def active_round(self, tenant_id: int, channel: str) -> QuizRound | None:
        """The channel's newest unfinished round."""
        return await self._round(
            quiz_rounds.c.tenant_id == tenant_id,
            quiz_rounds.c.channel == channel,
            quiz_rounds.c.finished_at.is_(None),
        )

    async def update_round(self, round_id: int, *, position: int) -> None:
        await self._db.execute(
            update(quiz_rounds).where(quiz_rounds.c.id == round_id).values(position=position)
        )

    async def finish_round(self, round_id: int, now: datetime) -> bool:
        """Mark finished; True only for the one caller that finished it.

        A round keeps the time it first finished.
        """
        result = await self._db.execute(
            update(quiz_rounds)
            .where(quiz_rounds.c.id == round_id, quiz_rounds.c.finished_at.is_(None))
            .values(finished_at=now)
        )
        return result.rowcount == 1

    async def rounds_of(self, learner_id: int) -> list[QuizRound]:
        """Rounds the learner started or answered a question of, oldest first."""
        answered = (
            select(posts.c.round_id)
            .join(answers, answers.c.post_id == posts.c.id)
            .where(answers.c.learner_id == learner_id, posts.c.round_id.is_not(None))
        )
        query = (
            select(quiz_rounds)
            .where((quiz_rounds.c.started_by == learner_id) | quiz_rounds.c.id.in_(answered))
            .order_by(quiz_rounds.c.id)
        )
        return [mapping.quiz_round(row) for row in await self._db.execute(query)]

    async def _round(self, *where: Any) -> QuizRound | None:
        query = (
            select(quiz_rounds)
            .where(*where)
            .order_by(quiz_rounds.c.started_at.desc(), quiz_rounds.c.id.desc())
            .limit(1)
        )
        row = await self._first(query)
        return mapping.quiz_round(row) if row else None
