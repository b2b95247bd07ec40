"""Personal review sessions, kept so that a restart continues them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update

from bot.core.records import NewReview, ReviewItem, ReviewSession
from bot.storage import mapping
from bot.storage.tables import review_sessions
from bot.storage.transaction import Transaction


class ReviewTables(Transaction):
    """The ReviewStore port. A session's items are one JSON list, read and written whole."""

    async def create_review(self, review: NewReview) -> ReviewSession:
        """A new session; its last activity is its start."""
        statement = (
            insert(review_sessions)
            .values(
                learner_id=review.learner_id,
                tenant_id=review.tenant_id,
                size=review.size,
                items=mapping.review_items(review.items),
                started_at=review.started_at,
                last_activity_at=review.started_at,
            )
            .returning(review_sessions)
        )
        return mapping.review_session((await self._db.execute(statement)).one())

    async def reviews_of(self, learner_id: int) -> list[ReviewSession]:
        query = (
            select(review_sessions)
            .where(review_sessions.c.learner_id == learner_id)
            .order_by(review_sessions.c.id)
        )
        return [mapping.review_session(row) for row in await self._db.execute(query)]

    async def get_review(self, session_id: int) -> ReviewSession | None:
        row = await self._first(select(review_sessions).where(review_sessions.c.id == session_id))
        return mapping.review_session(row) if row else None

    async def save_review_items(
        self, session_id: int, items: Sequence[ReviewItem], now: datetime
    ) -> None:
        """Replace the session's items and record `now` as its last activity."""
        await self._db.execute(
            update(review_sessions)
            .where(review_sessions.c.id == session_id)
            .values(items=mapping.review_items(items), last_activity_at=now)
        )
