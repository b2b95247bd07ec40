"""FSRS cards: one per learner and question."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from bot.core.records import StoredCard
from bot.core.srs import CardState
from bot.storage import mapping, statements
from bot.storage.tables import cards, questions
from bot.storage.transaction import Transaction


class CardTables(Transaction):
    """The CardStore port."""

    async def get_card(self, learner_id: int, question_id: str) -> CardState | None:
        row = await self._db.first(
            statements.GET_CARD, {"learner_id": learner_id, "question_id": question_id}
        )
        return mapping.card(row) if row else None

    async def save_card(self, learner_id: int, question_id: str, card: CardState) -> None:
        """Insert or overwrite, in one statement (a concurrent insert cannot slip between)."""
        await self._db.run(
            statements.upsert_card(self._db.dialect.name),
            statements.card_parameters(learner_id, question_id, card),
        )

    async def cards_of(self, learner_id: int) -> list[StoredCard]:
        """Every card of the learner, retired questions included, by question id."""
        rows = await self._db.all(statements.CARDS_OF, {"learner_id": learner_id})
        return [StoredCard(row.question_id, mapping.card(row)) for row in rows]

    async def seen_questions(self, learner_id: int) -> set[str]:
        query = select(cards.c.question_id).where(cards.c.learner_id == learner_id)
        return {row.question_id for row in await self._rows(query)}

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
            self._due(learner_id, cards.c.due <= now, cards)
            .order_by(cards.c.due, cards.c.question_id)
            .limit(limit)
        )
        return [StoredCard(row.question_id, mapping.card(row)) for row in await self._rows(query)]

    async def count_due(self, learner_id: int, until: datetime) -> int:
        """Cards of active questions due at or before `until`."""
        query = self._due(learner_id, cards.c.due <= until, func.count())
        return int((await self._db.execute(query)).scalar_one())

    async def due_times(self, learner_id: int, until: datetime) -> list[datetime]:
        """Due instants of the learner's active cards due before `until`, earliest first."""
        rows = await self._db.all(statements.DUE_TIMES, {"learner_id": learner_id, "until": until})
        return [row.due for row in rows]

    def _due(self, learner_id: int, when: Any, *columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .join_from(cards, questions, questions.c.id == cards.c.question_id)
            .where(cards.c.learner_id == learner_id, when, questions.c.active)
        )
