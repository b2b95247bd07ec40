"""What every use case shares: the ports, the bank, and how a question is posted."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.errors import BadInput, QuestionClosed, UnknownConcept
from bot.core.ports import Outbox, Place, Repository, Timer, Unit
from bot.core.questions import Question, QuestionBank
from bot.core.records import Post, QuestionRow, SyncReport, Tenant
from bot.core.views import QuestionView

log = logging.getLogger("bot.core")


@dataclass(frozen=True)
class CoreConfig:
    default_timezone: str = "UTC"
    drill_grace: timedelta = timedelta(hours=6)
    quiz_count: int = 5
    quiz_base_seconds: int = 20
    leaderboard_size: int = 10


class UseCaseBase:
    def __init__(
        self,
        repo: Repository,
        bank: QuestionBank,
        clock: Clock,
        outbox: Outbox,
        timer: Timer,
        config: CoreConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.repo = repo
        self.bank = bank
        self.clock = clock
        self.outbox = outbox
        self.timer = timer
        self.config = config or CoreConfig()
        self.rng = rng or random.Random()
        self._titles = {c.id: c.title for c in bank.concepts}

    async def sync_questions(self) -> SyncReport:
        """Make the database's question list match the loaded bank (retire, never delete)."""
        rows = [QuestionRow(q.id, q.concept, q.content_hash()) for q in self.bank.questions]
        async with self.repo.unit() as u:
            return await u.sync_questions(rows)

    def check_concept(self, concept: str | None) -> str | None:
        """Return the concept if the bank knows it (None passes through)."""
        if concept is not None and concept not in self._titles:
            raise UnknownConcept(concept, self.bank.concept_ids())
        return concept

    async def _publish(self, place: Place, post: Post, view: QuestionView) -> None:
        """Post a question to its channel and arm its close; a failed post is retried on start."""
        try:
            message_id = await self.outbox.post(place, view)
        except Exception:
            log.exception(
                "posting %s %s failed; it will be retried at start-up", post.kind, post.id
            )
            self.timer.close_at(post.id, post.closes_at)
            return
        async with self.repo.unit() as u:
            await u.set_post_message(post.id, message_id)
        self.timer.close_at(post.id, post.closes_at)

    async def _quietly(self, call: Awaitable[object]) -> None:
        """Await a platform call whose failure must not undo what is already recorded."""
        try:
            await call
        except Exception:
            log.exception("platform call failed after the state was recorded")

    async def _place(self, tenant_id: int, channel: str) -> Place:
        async with self.repo.unit() as u:
            tenant = await u.get_tenant(tenant_id)
        assert tenant is not None
        return Place(tenant.platform, tenant.external_id, channel)

    async def _tenant(self, u: Unit, place: Place) -> Tenant:
        return await u.ensure_tenant(place.platform, place.tenant, self.config.default_timezone)

    def _question(self, question_id: str) -> Question:
        question = self.bank.get(question_id)
        if question is None:
            raise QuestionClosed()  # retired from the bank since it was posted
        return question

    def _question_view(
        self,
        kind: str,
        question: Question,
        post: Post | None = None,
        closed: bool = False,
        position: int | None = None,
        of: int | None = None,
    ) -> QuestionView:
        if post is not None and post.position is not None:
            position = post.position + 1
        return QuestionView(
            kind=kind,
            question_id=question.id,
            concept=question.concept,
            concept_title=self._titles.get(question.concept, question.concept),
            prompt=question.prompt,
            choices=question.choices,
            difficulty=question.difficulty,
            post_id=post.id if post else None,
            closes_at=post.closes_at if post else None,
            position=position,
            of=of,
            closed=closed,
        )


def check_choice(question: Question, choice: int) -> None:
    if not 0 <= choice < len(question.choices):
        letters = "abcde"[: len(question.choices)]
        raise BadInput(f"Pick one of {', '.join(letters)}.")
