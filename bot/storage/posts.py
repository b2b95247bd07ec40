"""Drill and quiz questions shown in a channel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.records import NewPost, Post
from bot.storage import mapping, statements
from bot.storage.tables import posts
from bot.storage.transaction import Transaction


class PostTables(Transaction):
    """The PostStore port."""

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
        post: Post | None = await self._db.first(statements.GET_POST, {"id": post_id})
        return post

    async def set_post_message(self, post_id: int, message_id: str) -> None:
        await self._db.execute(
            update(posts).where(posts.c.id == post_id).values(message_id=message_id)
        )

    async def latest_open_post(self, tenant_id: int, channel: str) -> Post | None:
        """The newest unrevealed post of the channel."""
        return await self._newest_post(
            posts.c.tenant_id == tenant_id,
            posts.c.channel == channel,
            posts.c.revealed_at.is_(None),
        )

    async def post_by_message(self, tenant_id: int, channel: str, message_id: str) -> Post | None:
        """The post whose platform message is `message_id` (indexed), revealed or not."""
        # A platform message holds one post; the newest wins should ids ever repeat.
        query = (
            select(posts)
            .where(
                posts.c.tenant_id == tenant_id,
                posts.c.channel == channel,
                posts.c.message_id == message_id,
            )
            .order_by(posts.c.id.desc())
            .limit(1)
        )
        row = await self._first(query)
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

    async def _post(self, *where: Any) -> Post | None:
        row = await self._first(select(posts).where(*where))
        return mapping.post(row) if row else None

    async def _newest_post(self, *where: Any) -> Post | None:
        query = (
            select(posts)
            .where(*where)
            .order_by(posts.c.opens_at.desc(), posts.c.id.desc())
            .limit(1)
        )
        row = await self._first(query)
        return mapping.post(row) if row else None
