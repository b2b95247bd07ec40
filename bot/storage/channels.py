"""What happens in channels: drill and quiz posts, drill schedules, quiz rounds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.records import DrillSchedule, NewPost, NewSchedule, Post, QuizRound
from bot.storage import mapping
from bot.storage.tables import drill_schedules, posts, quiz_rounds
from bot.storage.transaction import Transaction


class ChannelStore(Transaction):
    """Posts, drill schedules and quiz rounds of a unit of work."""

    # posts

    async def create_post(self, post: NewPost) -> Post | None:
        """None when a drill post for (schedule_id, local_date) already exists."""
        statement = insert(posts).values(mapping.post_values(post)).returning(posts)
        try:
            async with self._db.begin_nested():
                row = (await self._db.execute(statement)).one()
        except IntegrityError:
            duplicate = (
                post.schedule_id is not None
                and post.local_date is not None
                and await self.drill_post_for(post.schedule_id, post.local_date) is not None
            )
            if duplicate:
                return None
            raise
        return mapping.post(row)

    async def get_post(self, post_id: int) -> Post | None:
        return await self._post(posts.c.id == post_id)

    async def set_post_message(self, post_id: int, message_id: str) -> None:
        await self._db.execute(
            update(posts).where(posts.c.id == post_id).values(message_id=message_id)
        )

    async def latest_open_post(self, tenant_id: int, channel: str) -> Post | None:
        """The newest unrevealed post of the channel."""
        query = (
            select(posts)
            .where(
                posts.c.tenant_id == tenant_id,
                posts.c.channel == channel,
                posts.c.revealed_at.is_(None),
            )
            .order_by(posts.c.opens_at.desc(), posts.c.id.desc())
            .limit(1)
        )
        row = (await self._db.execute(query)).first()
        return mapping.post(row) if row else None

    async def unrevealed_posts(self) -> list[Post]:
        """Every post not yet revealed, the one closing first first."""
        query = (
            select(posts)
            .where(posts.c.revealed_at.is_(None))
            .order_by(posts.c.closes_at, posts.c.id)
        )
        return [mapping.post(row) for row in await self._rows(query)]

    async def claim_reveal(self, post_id: int, now: datetime) -> bool:
        """Mark revealed; True only for the one caller that flipped it."""
        # The WHERE re-checks under the row lock, so of two racing callers one wins.
        result = await self._db.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.revealed_at.is_(None))
            .values(revealed_at=now)
        )
        return result.rowcount == 1

    async def recent_drill_questions(self, tenant_id: int, channel: str, limit: int) -> list[str]:
        """Question ids of the channel's latest drill posts, newest first."""
        query = (
            select(posts.c.question_id)
            .where(
                posts.c.tenant_id == tenant_id, posts.c.channel == channel, posts.c.kind == "drill"
            )
            .order_by(posts.c.opens_at.desc(), posts.c.id.desc())
            .limit(limit)
        )
        return list((await self._db.execute(query)).scalars())

    async def drill_post_for(self, schedule_id: int, local_date: date) -> Post | None:
        return await self._post(
            posts.c.schedule_id == schedule_id, posts.c.local_date == local_date
        )

    # drill schedules

    async def save_schedule(self, schedule: NewSchedule) -> DrillSchedule:
        """Create or replace the channel's schedule (keeps its id); enables it."""
        values = mapping.schedule_values(schedule)
        existing = await self.schedule_for_channel(schedule.tenant_id, schedule.channel)
        if existing is None:
            statement = insert(drill_schedules).values(values).returning(drill_schedules)
            row = await self._insert_or_none(statement)
            if row is not None:
                return mapping.schedule(row)
            # A concurrent unit created it since our select: replace theirs.
            existing = await self.schedule_for_channel(schedule.tenant_id, schedule.channel)
            assert existing is not None
        replace = (
            update(drill_schedules)
            .where(drill_schedules.c.id == existing.id)
            .values(values)
            .returning(drill_schedules)
        )
        return mapping.schedule((await self._db.execute(replace)).one())

    async def schedule_for_channel(self, tenant_id: int, channel: str) -> DrillSchedule | None:
        return await self._schedule(
            drill_schedules.c.tenant_id == tenant_id, drill_schedules.c.channel == channel
        )

    async def get_schedule(self, schedule_id: int) -> DrillSchedule | None:
        return await self._schedule(drill_schedules.c.id == schedule_id)

    async def enabled_schedules(self) -> list[DrillSchedule]:
        query = (
            select(drill_schedules).where(drill_schedules.c.enabled).order_by(drill_schedules.c.id)
        )
        return [mapping.schedule(row) for row in await self._rows(query)]

    async def set_schedule_enabled(self, schedule_id: int, enabled: bool, now: datetime) -> None:
        await self._db.execute(
            update(drill_schedules)
            .where(drill_schedules.c.id == schedule_id)
            .values(enabled=enabled, updated_at=now)
        )

    # quiz rounds

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

    async def update_round(
        self, round_id: int, *, position: int | None = None, roster: Sequence[int] | None = None
    ) -> None:
        values: dict[str, Any] = {}
        if position is not None:
            values["position"] = position
        if roster is not None:
            values["roster"] = list(roster)
        if values:
            await self._db.execute(
                update(quiz_rounds).where(quiz_rounds.c.id == round_id).values(values)
            )

    async def finish_round(self, round_id: int, now: datetime) -> None:
        """Idempotent: a round keeps the time it first finished."""
        await self._db.execute(
            update(quiz_rounds)
            .where(quiz_rounds.c.id == round_id, quiz_rounds.c.finished_at.is_(None))
            .values(finished_at=now)
        )

    # shared queries

    async def _post(self, *where: Any) -> Post | None:
        row = (await self._db.execute(select(posts).where(*where))).first()
        return mapping.post(row) if row else None

    async def _schedule(self, *where: Any) -> DrillSchedule | None:
        row = (await self._db.execute(select(drill_schedules).where(*where))).first()
        return mapping.schedule(row) if row else None

    async def _round(self, *where: Any) -> QuizRound | None:
        query = (
            select(quiz_rounds)
            .where(*where)
            .order_by(quiz_rounds.c.started_at.desc(), quiz_rounds.c.id.desc())
            .limit(1)
        )
        row = (await self._db.execute(query)).first()
        return mapping.quiz_round(row) if row else None
