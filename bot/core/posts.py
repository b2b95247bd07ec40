"""Posted questions: group quiz rounds and the reveal that closes every post."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.core import scoring, selection
from bot.core.errors import BadInput, NoQuestions, QuizAlreadyRunning
from bot.core.ports import Place, Who
from bot.core.records import NewPost
from bot.core.schedules import local_date
from bot.core.usecase import UseCaseBase, log
from bot.core.views import BoardView, QuestionView, RevealView


class PostUseCases(UseCaseBase):
    async def close_post(self, post_id: int) -> RevealView | None:
        """Reveal a drill or quiz question once; a quiz then moves on to its next question."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            post = await u.get_post(post_id)
            if post is None or not await u.claim_reveal(post_id, now):
                return None
            answers = await u.answers_for_post(post_id)
            tenant = await u.get_tenant(post.tenant_id)
            assert tenant is not None  # posts reference their tenant by foreign key
            streaks: list[tuple[str, int]] = []
            if post.kind == "drill":
                today = local_date(now, tenant.timezone)
                for a in answers:
                    if a.correct:
                        times = await u.answer_times(a.learner_id, now - timedelta(days=400))
                        streaks.append(
                            (a.learner_name, scoring.streak(times, tenant.timezone, today))
                        )
            quiz = await u.get_round(post.round_id) if post.round_id is not None else None
        question = self.bank.get(post.question_id)
        if question is None:
            # retired from the bank while open: nothing to reveal, but a round goes on
            log.warning(
                "post %s closed without a reveal: question %s is gone", post.id, post.question_id
            )
            if quiz is not None:
                await self._advance_round(quiz.id)
            return None
        of = len(quiz.question_ids) if quiz else None
        reveal = RevealView(
            kind=post.kind,
            question_id=question.id,
            prompt=question.prompt,
            choices=question.choices,
            answer=question.answer,
            explanation=question.explanation,
            rationales=question.rationales,
            correct_count=sum(1 for a in answers if a.correct),
            total=len(answers),
            correct_names=tuple(a.learner_name for a in answers if a.correct),
            streaks=tuple(streaks),
            position=(post.position or 0) + 1 if quiz else None,
            of=of,
        )
        place = Place(tenant.platform, tenant.external_id, post.channel)
        if post.message_id is not None:
            closed = self._question_view(post.kind, question, post=post, closed=True, of=of)
            await self._quietly(self.outbox.edit(place, post.message_id, closed))
        await self._quietly(self.outbox.post(place, reveal))
        if quiz is not None:
            await self._advance_round(quiz.id)
        return reveal

    async def start_quiz(
        self,
        place: Place,
        who: Who,
        concept: str | None = None,
        count: int | None = None,
        roster: Sequence[Who] = (),
    ) -> QuestionView:
        """Start a group round in the channel; `roster` learners close a question early
        once they have all answered (anyone else who answers joins the roster)."""
        self.check_concept(concept)
        count = self.config.quiz_count if count is None else count
        if not 1 <= count <= 20:
            raise BadInput("A quiz has 1 to 20 questions.")
        now = self.clock.now()
        candidates = self.bank.in_concept(concept)
        if not candidates:
            raise NoQuestions(f"No questions for {concept or 'any concept'}.")
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            if await u.active_round(tenant.id, place.channel) is not None:
                raise QuizAlreadyRunning()
            starter = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            members = [starter.id]
            for other in roster:
                learner = await u.ensure_learner(other.platform, other.user_id, other.display_name)
                if learner.id not in members:
                    members.append(learner.id)
            recent = await u.recent_drill_questions(tenant.id, place.channel, 50)
            picked = selection.pick_quiz_questions(candidates, count, recent, self.rng)
            quiz = await u.create_round(
                tenant.id, place.channel, starter.id, [q.id for q in picked], members, now
            )
        return await self._post_round_question(quiz.id, 0)

    async def _post_round_question(self, round_id: int, position: int) -> QuestionView:
        now = self.clock.now()
        async with self.repo.unit() as u:
            quiz = await u.get_round(round_id)
            assert quiz is not None
            tenant = await u.get_tenant(quiz.tenant_id)
            assert tenant is not None
            question = self._question(quiz.question_ids[position])
            window = scoring.quiz_window(question, self.config.quiz_base_seconds)
            post = await u.create_post(
                NewPost(
                    kind="quiz",
                    tenant_id=quiz.tenant_id,
                    channel=quiz.channel,
                    question_id=question.id,
                    opens_at=now,
                    closes_at=now + window,
                    round_id=quiz.id,
                    position=position,
                )
            )
            await u.update_round(quiz.id, position=position)
        assert post is not None
        view = self._question_view("quiz", question, post=post, of=len(quiz.question_ids))
        await self._publish(Place(tenant.platform, tenant.external_id, quiz.channel), post, view)
        return view

    async def _advance_round(self, round_id: int) -> None:
        async with self.repo.unit() as u:
            quiz = await u.get_round(round_id)
            if quiz is None or quiz.finished_at is not None:
                return
            last = quiz.position + 1 >= len(quiz.question_ids)
            if last:
                await u.finish_round(quiz.id, self.clock.now())
                rows = await u.round_scores(quiz.id)
        if not last:
            await self._post_round_question(quiz.id, quiz.position + 1)
            return
        board = BoardView(title="Quiz over: round scores", rows=tuple(rows))
        place = await self._place(quiz.tenant_id, quiz.channel)
        await self._quietly(self.outbox.post(place, board))
