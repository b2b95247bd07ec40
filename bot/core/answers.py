"""Answering: channel answers (hidden until the reveal) and personal reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core import scoring, selection
from bot.core.errors import AlreadyAnswered, NothingToAnswer, QuestionClosed
from bot.core.ports import Place, Unit, Who
from bot.core.questions import Question
from bot.core.records import AnswerRecord, Learner, Post, Tenant
from bot.core.srs import grade_for, new_card, review
from bot.core.usecase import UseCaseBase, check_choice
from bot.core.views import FeedbackView, QuestionView, ReceiptView

REVIEW_EASY_WITHIN = timedelta(seconds=8)


class AnswerUseCases(UseCaseBase):
    async def answer_in_channel(self, place: Place, who: Who, choice: int) -> ReceiptView:
        """A typed answer: it goes to the newest open question of the channel."""
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            post = await u.latest_open_post(tenant.id, place.channel)
        if post is None:
            raise NothingToAnswer()
        return await self.record_answer(post.id, who, choice)

    async def record_answer(self, post_id: int, who: Who, choice: int) -> ReceiptView:
        """Record a learner's first answer to a drill or quiz post, hidden until the reveal."""
        now = self.clock.now()
        close_early = False
        async with self.repo.unit() as u:
            post = await u.get_post(post_id)
            if post is None:
                raise NothingToAnswer()
            if not post.is_open(now):
                raise QuestionClosed()
            question = self._question(post.question_id)
            check_choice(question, choice)
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            if await u.has_answered(post.id, learner.id):
                raise AlreadyAnswered()
            latency = now - post.opens_at
            window = post.closes_at - post.opens_at
            easy_within = window / 3 if post.kind == "quiz" else None
            await self._grade(u, learner, question, choice, now, latency, easy_within, post)
            if post.round_id is not None:
                close_early = await self._roster_complete(u, post, learner.id)
        if close_early:
            self.timer.close_at(post.id, now)
        return ReceiptView(post.kind, question.id, choice, post.closes_at)

    async def _grade(
        self,
        u: Unit,
        learner: Learner,
        question: Question,
        choice: int,
        now: datetime,
        latency: timedelta,
        easy_within: timedelta | None,
        post: Post | None,
        place: Place | None = None,
        tenant: Tenant | None = None,
    ) -> AnswerRecord:
        """Grade one answer: FSRS review of the card plus one row in the answer log."""
        correct = choice == question.answer
        grade = grade_for(correct, latency, easy_within)
        card = await u.get_card(learner.id, question.id) or new_card(now)
        await u.save_card(learner.id, question.id, review(card, grade, now))
        if post is not None:
            points = scoring.points_for(post.kind, correct, latency, post.closes_at - post.opens_at)
            tenant_id, channel = post.tenant_id, post.channel
        else:
            assert tenant is not None and place is not None
            points, tenant_id, channel = 0, tenant.id, place.channel
        answer = AnswerRecord(
            learner_id=learner.id,
            question_id=question.id,
            tenant_id=tenant_id,
            channel=channel,
            post_id=post.id if post else None,
            choice=choice,
            correct=correct,
            latency_ms=int(latency.total_seconds() * 1000),
            rating=int(grade),
            points=points,
            answered_at=now,
        )
        await u.add_answer(answer)
        return answer

    async def _roster_complete(self, u: Unit, post: Post, learner_id: int) -> bool:
        """Add the learner to the round's roster; True when everyone on it has answered."""
        assert post.round_id is not None
        quiz = await u.get_round(post.round_id)
        if quiz is None:
            return False
        roster = quiz.roster if learner_id in quiz.roster else (*quiz.roster, learner_id)
        if roster != quiz.roster:
            await u.update_round(quiz.id, roster=roster)
        answered = {a.learner_id for a in await u.answers_for_post(post.id)}
        return set(roster) <= answered

    async def next_review(
        self, place: Place, who: Who, exclude: Sequence[str] = (), position: int = 1, of: int = 1
    ) -> QuestionView | None:
        """The learner's next card: most overdue first, then an unseen question; None when done."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            due = await u.due_cards(learner.id, now, limit=len(exclude) + 1)
            for stored in due:
                question = self.bank.get(stored.question_id)
                if question is not None and question.id not in exclude:
                    return self._question_view("review", question, position=position, of=of)
            seen = {c.question_id for c in await u.cards_of(learner.id)} | set(exclude)
        fresh = selection.new_questions(self.bank.questions, seen, limit=1)
        if not fresh:
            return None
        return self._question_view("review", fresh[0], position=position, of=of)

    async def answer_review(
        self, place: Place, who: Who, question_id: str, choice: int, shown_at: datetime
    ) -> FeedbackView:
        """Grade a personal review answer at once, with the explanation."""
        now = self.clock.now()
        question = self._question(question_id)
        check_choice(question, choice)
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            latency = max(now - shown_at, timedelta(0))
            await self._grade(
                u, learner, question, choice, now, latency, REVIEW_EASY_WITHIN, None, place, tenant
            )
            card = await u.get_card(learner.id, question.id)
        assert card is not None
        return FeedbackView(
            question_id=question.id,
            correct=choice == question.answer,
            choice=choice,
            answer=question.answer,
            choices=question.choices,
            explanation=question.explanation,
            rationale=question.rationales[choice],
            next_due=card.due,
        )

    async def count_review_batch(self, who: Who, limit: int) -> int:
        """How many cards a review batch of at most `limit` will show now."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            due = await u.count_due(learner.id, now)
            seen = len(await u.cards_of(learner.id))
        unseen = max(len(self.bank.questions) - seen, 0)
        return min(limit, due + unseen)
