"""Personal review: a batch of the learner's own cards, kept as a session in the database.

The session remembers which cards were shown, when, and how each was answered,
so a button needs to carry only the session id, the card's position and the
choice; a double click grades once; a restart continues where the learner was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core import selection
from bot.core.clock import Clock
from bot.core.errors import BadInput, NotHere, ReviewEnded
from bot.core.grading import grade
from bot.core.ports import Place, Repository, Unit, Who
from bot.core.questions import Question
from bot.core.records import NewReview, ReviewItem, ReviewSession
from bot.core.usecase import CoreConfig, Questions, check_choice, tenant_here
from bot.core.views import FeedbackView, ReviewCardView, ReviewStepView

REVIEW_EASY_WITHIN = timedelta(seconds=8)


class Reviews:
    def __init__(
        self, repo: Repository, questions: Questions, clock: Clock, config: CoreConfig
    ) -> None:
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.config = config

    async def start_review(self, place: Place, who: Who) -> ReviewCardView | None:
        """A new batch, mixed as selection.due_first says; None if nothing is left to show."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(
                place.platform, place.tenant, self.config.default_timezone
            )
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            size = min(self.config.review_batch, await self._available(u, learner.id, now))
            first = await self._next_question(u, learner.id, now, exclude=set(), position=1)
            if size == 0 or first is None:
                return None
            session = await u.create_review(
                NewReview(learner.id, tenant.id, size, (ReviewItem(first.id, now),), now)
            )
        return self._card(session, first)

    async def answer_review(
        self, place: Place, who: Who, session_id: int, choice: int, position: int | None = None
    ) -> ReviewStepView:
        """Grade the card at `position` (default: the one shown now) once, timed from when the
        server showed it; a repeat returns the stored feedback without grading again."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            session = await self._session(u, place, who, session_id, now)
            index = self._index(session, position)
            item = session.items[index]
            question = self.questions.live(item.question_id)
            if item.choice is not None:
                card = await u.get_card(session.learner_id, question.id)
                due = card.due if card else now
                return ReviewStepView(
                    session.id,
                    index + 1,
                    self._feedback(question, item.choice, due),
                    self._current(session),
                    repeated=True,
                )
            check_choice(question, choice)
            graded = await grade(
                u,
                session.learner_id,
                question,
                choice,
                now,
                max(now - item.shown_at, timedelta(0)),
                REVIEW_EASY_WITHIN,
                kind="review",
                tenant_id=session.tenant_id,
                channel=place.channel,
                fuzz=self.config.fsrs_fuzzing,
            )
            items = list(session.items)
            items[index] = replace(item, choice=choice, answered_at=now)
            if len(items) < session.size:
                asked = {i.question_id for i in items}
                upcoming = await self._next_question(
                    u, session.learner_id, now, asked, position=len(items) + 1
                )
                if upcoming is not None:
                    items.append(ReviewItem(upcoming.id, now))
            await u.save_review_items(session.id, items, now)
        session = replace(session, items=tuple(items), last_activity_at=now)
        return ReviewStepView(
            session.id,
            index + 1,
            self._feedback(question, choice, graded.card.due),
            self._current(session),
        )

    async def review_card(self, place: Place, who: Who, session_id: int) -> ReviewCardView | None:
        """Show the session's current card again (its answer time starts now); None when done."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            session = await self._session(u, place, who, session_id, now)
            items = list(session.items)
            if items[-1].choice is not None:
                return None
            items[-1] = replace(items[-1], shown_at=now)
            await u.save_review_items(session.id, items, now)
        return self._current(replace(session, items=tuple(items)))

    # ------------------------------------------------------------------ helpers

    async def _session(
        self, u: Unit, place: Place, who: Who, session_id: int, now: datetime
    ) -> ReviewSession:
        session = await u.get_review(session_id)
        if session is None:
            raise ReviewEnded()
        tenant = await tenant_here(u, place)
        learner = await u.find_learner(who.platform, who.user_id)
        if learner is None or learner.id != session.learner_id or tenant.id != session.tenant_id:
            raise NotHere("That review session")
        if now - session.last_activity_at > self.config.review_idle:
            raise ReviewEnded()
        return session

    @staticmethod
    def _index(session: ReviewSession, position: int | None) -> int:
        if position is None:
            return len(session.items) - 1
        if not 1 <= position <= len(session.items):
            raise BadInput("That card is not part of this review session.")
        return position - 1

    def _current(self, session: ReviewSession) -> ReviewCardView | None:
        last = session.items[-1]
        if last.choice is not None:
            return None
        question = self.questions.bank.get(last.question_id)
        if question is None:
            return None
        return self._card(session, question)

    def _card(self, session: ReviewSession, question: Question) -> ReviewCardView:
        position = len(session.items)
        view = self.questions.view("review", question, position=position, of=session.size)
        return ReviewCardView(session.id, position, session.size, view)

    @staticmethod
    def _feedback(question: Question, choice: int, next_due: datetime) -> FeedbackView:
        return FeedbackView(
            question_id=question.id,
            correct=choice == question.answer,
            choice=choice,
            answer=question.answer,
            choices=question.choices,
            explanation=question.explanation,
            rationale=question.rationales[choice],
            next_due=next_due,
        )

    async def _available(self, u: Unit, learner_id: int, now: datetime) -> int:
        due = await u.count_due(learner_id, now)
        seen = len(await u.seen_questions(learner_id))
        return due + max(len(self.questions.bank.questions) - seen, 0)

    async def _next_question(
        self, u: Unit, learner_id: int, now: datetime, exclude: set[str], position: int
    ) -> Question | None:
        """The card at `position` of a batch: the most overdue card not yet asked, or an
        unseen question, in the order selection.due_first(position) gives."""
        picks = (self._due_question, self._new_question)
        if not selection.due_first(position):
            picks = (self._new_question, self._due_question)
        for pick in picks:
            question = await pick(u, learner_id, now, exclude)
            if question is not None:
                return question
        return None

    async def _due_question(
        self, u: Unit, learner_id: int, now: datetime, exclude: set[str]
    ) -> Question | None:
        for stored in await u.due_cards(learner_id, now, limit=len(exclude) + 1):
            question = self.questions.bank.get(stored.question_id)
            if question is not None and question.id not in exclude:
                return question
        return None

    async def _new_question(
        self, u: Unit, learner_id: int, now: datetime, exclude: set[str]
    ) -> Question | None:
        seen = await u.seen_questions(learner_id) | exclude
        fresh = selection.new_questions(self.questions.bank.questions, seen, limit=1)
        return fresh[0] if fresh else None
