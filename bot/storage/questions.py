"""The question bank as the database knows it: ids, concepts, hashes, active or retired."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import sqlite

from bot.core.records import QuestionRow, SyncReport
from bot.storage.tables import questions
from bot.storage.transaction import Transaction


class QuestionTables(Transaction):
    """The QuestionStore port."""

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
            # Two processes starting together may both add the same new questions.
            await self._db.execute(self._insert_new(), added)
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

    def _insert_new(self) -> Insert:
        """An INSERT that skips ids another process has just added."""
        if self._db.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql  # here: a SQLite process does without it

            return postgresql.insert(questions).on_conflict_do_nothing(index_elements=["id"])
        return sqlite.insert(questions).on_conflict_do_nothing(index_elements=["id"])

    async def active_question_ids(self) -> set[str]:
        result = await self._db.execute(select(questions.c.id).where(questions.c.active))
        return set(result.scalars())
