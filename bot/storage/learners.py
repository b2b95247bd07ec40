"""Learners, and forgetting one completely."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, cast, delete, func, insert, or_, select, update

from bot.core.records import Learner
from bot.storage import mapping, statements
from bot.storage.scores import ScoreTables
from bot.storage.tables import (
    answers,
    cards,
    drill_schedules,
    learners,
    quiz_rounds,
    review_sessions,
)

# What a round keeps in place of a starter who asked to be forgotten.
FORGOTTEN_STARTER = 0


class LearnerTables(ScoreTables):
    """The LearnerStore port."""

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
        if learner.display_name == display_name:
            return learner
        await self._db.execute(
            update(learners).where(learners.c.id == learner.id).values(display_name=display_name)
        )
        await self._rename_in_scores(learner.id, display_name)
        return replace(learner, display_name=display_name)

    async def find_learner(self, platform: str, user_id: str) -> Learner | None:
        learner: Learner | None = await self._db.first(
            statements.FIND_LEARNER, {"platform": platform, "user_id": user_id}
        )
        return learner

    async def get_learner(self, learner_id: int) -> Learner | None:
        row = await self._first(select(learners).where(learners.c.id == learner_id))
        return mapping.learner(row) if row else None

    async def delete_learner(self, learner_id: int) -> None:
        """Every trace: answers, cards, review sessions, the learner, and their id in rounds.

        A round they started keeps FORGOTTEN_STARTER (0) as its starter; a schedule they
        created keeps no creator.
        """
        # Explicit deletes rather than trusting ON DELETE CASCADE: SQLite only
        # cascades on connections that enabled foreign keys.
        for table in (answers, cards, review_sessions):
            await self._db.execute(delete(table).where(table.c.learner_id == learner_id))
        await self._forget_scores(learner_id)
        await self._db.execute(
            update(drill_schedules)
            .where(drill_schedules.c.created_by == learner_id)
            .values(created_by=None)
        )
        await self._scrub_rounds(learner_id)
        await self._db.execute(delete(learners).where(learners.c.id == learner_id))

    async def _scrub_rounds(self, learner_id: int) -> None:
        query = select(quiz_rounds.c.id, quiz_rounds.c.started_by, quiz_rounds.c.roster).where(
            or_(quiz_rounds.c.started_by == learner_id, self._on_roster(learner_id))
        )
        for row in await self._rows(query):
            values: dict[str, Any] = {
                "roster": [member for member in row.roster if member != learner_id]
            }
            if row.started_by == learner_id:
                values["started_by"] = FORGOTTEN_STARTER
            await self._db.execute(
                update(quiz_rounds).where(quiz_rounds.c.id == row.id).values(values)
            )

    def _on_roster(self, learner_id: int) -> ColumnElement[bool]:
        """Rounds whose JSON roster lists the learner, in the backend's JSON dialect."""
        if self._db.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB  # here: SQLite does without it

            return cast(quiz_rounds.c.roster, JSONB).contains([learner_id])
        members = func.json_each(quiz_rounds.c.roster).table_valued("value")
        return select(members.c.value).where(members.c.value == learner_id).exists()
