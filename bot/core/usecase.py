"""What the use-case groups share: configuration, place checks and question views."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.errors import BadInput, NotAllowed, NotHere, QuestionClosed, UnknownConcept
from bot.core.ports import Place, Unit, Who
from bot.core.questions import LETTERS, Question, QuestionBank
from bot.core.records import NewDelivery, Post, Tenant
from bot.core.views import QuestionView

log = logging.getLogger("bot.core")


@dataclass(frozen=True)
class CoreConfig:
    default_timezone: str = "UTC"
    drill_grace: timedelta = timedelta(hours=6)
    quiz_count: int = 5
    quiz_base_seconds: int = 20
    leaderboard_size: int = 10
    review_batch: int = 10
    review_idle: timedelta = timedelta(minutes=30)  # a review session ends after this long idle
    reveal_names: int = 10  # correct answerers named in a reveal before "and N more"
    fsrs_fuzzing: bool = False  # on in production (bot/app.py), off in tests


class Questions:
    """The loaded bank, seen the way use cases need it: checked ids and views."""

    def __init__(self, bank: QuestionBank) -> None:
        self.bank = bank
        self.titles = {c.id: c.title for c in bank.concepts}

    def check_concept(self, concept: str | None) -> str | None:
        """Return the concept if the bank knows it (None passes through)."""
        if concept is not None and concept not in self.titles:
            raise UnknownConcept(concept, self.bank.concept_ids())
        return concept

    def live(self, question_id: str) -> Question:
        """The question of a post; a question retired from the bank counts as closed."""
        question = self.bank.get(question_id)
        if question is None:
            raise QuestionClosed()
        return question

    def view(
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
            concept_title=self.titles.get(question.concept, question.concept),
            prompt=question.prompt,
            choices=question.choices,
            difficulty=question.difficulty,
            post_id=post.id if post else None,
            closes_at=post.closes_at if post else None,
            position=position,
            of=of,
            closed=closed,
            type=question.type,
        )


def check_choice(question: Question, choice: int) -> None:
    if not 0 <= choice < len(question.choices):
        letters = LETTERS[: len(question.choices)]
        raise BadInput(f"Pick one of {', '.join(letters)}.")


def require_manager(who: Who, action: str) -> None:
    """Managers only: Discord's Manage Server, Slack's admins, the console user."""
    if not who.can_manage:
        raise NotAllowed(
            f"Only people who can manage this workspace may {action}; "
            "ask a server admin or workspace admin."
        )


async def tenant_here(u: Unit, place: Place) -> Tenant:
    """The tenant of an existing place; a place never seen cannot own a post or session."""
    tenant = await u.find_tenant(place.platform, place.tenant)
    if tenant is None:
        raise NotHere()
    return tenant


def check_post_place(post: Post, tenant: Tenant, place: Place) -> None:
    """A click must come from the channel its post was shown in."""
    if post.tenant_id != tenant.id or post.channel != place.channel:
        raise NotHere()


def question_delivery(post: Post) -> NewDelivery:
    """The delivery that shows a new post's question in its channel."""
    return NewDelivery(
        kind="question",
        tenant_id=post.tenant_id,
        channel=post.channel,
        dedup_key=f"question:{post.id}",
        created_at=post.opens_at,
        post_id=post.id,
    )
