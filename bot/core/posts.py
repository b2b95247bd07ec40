"""Posted questions: group quiz rounds and the close that ends every post.

Nothing here talks to a platform. What the channel must see (the question, the
closed question, the reveal, the round's scoreboard) is queued as deliveries in
the same transaction as the change that causes it; the sender delivers them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from bot.core import scoring, selection
from bot.core.clock import Clock
from bot.core.errors import BadInput, NoQuestions, QuizAlreadyRunning
from bot.core.ports import Place, Repository, Timer, Unit, Who
from bot.core.records import NewDelivery, NewPost, Post, QuizRound
from bot.core.usecase import CoreConfig, Questions, log, question_delivery
from bot.core.views import StartedView

MAX_QUIZ = 20


class QuizRounds:
    def __init__(
        self,
        repo: Repository,
        questions: Questions,
        clock: Clock,
        timer: Timer,
        config: CoreConfig,
        rng: random.Random,
    ) -> None:
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.timer = timer
        self.config = config
        self.rng = rng

    async def start_quiz(
        self,
        place: Place,
        who: Who,
        concept: str | None = None,
        count: int | None = None,
        roster: Sequence[Who] = (),
    ) -> StartedView:
        """Start a group round in the channel. A question closes when its window ends, or
        early once everyone who answered an earlier question of the round has answered it.
        `roster` (the console's group) names learners expected from the first question."""
        self.questions.check_concept(concept)
        count = self.config.quiz_count if count is None else count
        if not 1 <= count <= MAX_QUIZ:
            raise BadInput(f"A quiz has 1 to {MAX_QUIZ} questions.")
        candidates = self.questions.bank.in_concept(concept)
        if not candidates:
            raise NoQuestions(f"No questions for {concept or 'any concept'}.")
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(
                place.platform, place.tenant, self.config.default_timezone
            )
            if await u.active_round(tenant.id, place.channel) is not None:
                raise QuizAlreadyRunning()
            starter = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            members: list[int] = []
            for other in roster:
                learner = await u.ensure_learner(other.platform, other.user_id, other.display_name)
                if learner.id not in members:
                    members.append(learner.id)
            recent = await u.recent_drill_questions(tenant.id, place.channel, 50)
            picked = selection.pick_quiz_questions(candidates, count, recent, self.rng)
            quiz = await u.create_round(
                tenant.id, place.channel, starter.id, [q.id for q in picked], members, now
            )
            post = await self._post_question(u, quiz, 0, now)
        self.timer.close_at(post.id, post.closes_at)
        self.timer.deliver_soon()
        return StartedView("quiz", len(picked), concept)

    async def close_post(self, post_id: int) -> bool:
        """Close a drill or quiz question once: queue the closed question and its reveal
        (only if the question was ever shown), then move a quiz round on. True if this
        call closed it."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            post = await u.get_post(post_id)
            if post is None or not await u.claim_reveal(post_id, now):
                return False
            if post.message_id is None:
                # never shown (every delivery failed so far): nothing to reveal
                await u.drop_deliveries(post.id)
                log.warning("post %s closed before its question could be shown", post.id)
            elif self.questions.bank.get(post.question_id) is None:
                log.warning("post %s closed without a reveal: its question is retired", post.id)
            else:
                for kind in ("close", "reveal"):
                    await u.add_delivery(
                        NewDelivery(
                            kind, post.tenant_id, post.channel, f"{kind}:{post.id}", now, post.id
                        )
                    )
            following = await self._advance(u, post, now)
        if following is not None:
            self.timer.close_at(following.id, following.closes_at)
        self.timer.deliver_soon()
        return True

    async def _advance(self, u: Unit, post: Post, now: datetime) -> Post | None:
        """After a round's question closes: post the next one, or finish with a scoreboard."""
        if post.round_id is None:
            return None
        quiz = await u.get_round(post.round_id)
        if quiz is None or quiz.finished_at is not None or quiz.position != post.position:
            return None
        position = quiz.position + 1
        while position < len(quiz.question_ids):
            if self.questions.bank.get(quiz.question_ids[position]) is not None:
                return await self._post_question(u, quiz, position, now)
            position += 1  # retired since the round started: skip it
        if await u.finish_round(quiz.id, now):
            await u.add_delivery(
                NewDelivery(
                    "round_board",
                    quiz.tenant_id,
                    quiz.channel,
                    f"round:{quiz.id}",
                    now,
                    round_id=quiz.id,
                )
            )
        return None

    async def _post_question(self, u: Unit, quiz: QuizRound, position: int, now: datetime) -> Post:
        question = self.questions.live(quiz.question_ids[position])
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
        assert post is not None  # only drill posts can collide
        await u.update_round(quiz.id, position=position)
        await u.add_delivery(question_delivery(post))
        return post
