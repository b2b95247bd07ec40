"""Channel answers: clicks and typed replies to drill and quiz posts, hidden until the reveal."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.errors import NotAnAnswer, NothingToAnswer, QuestionClosed
from bot.core.grading import grade
from bot.core.ports import Place, Repository, Timer, Unit, Who
from bot.core.questions import LETTERS
from bot.core.records import Post, Tenant
from bot.core.typed import parse_answer
from bot.core.usecase import Questions, check_choice, check_post_place, tenant_here
from bot.core.views import ReceiptView


class ChannelAnswers:
    def __init__(
        self, repo: Repository, questions: Questions, clock: Clock, timer: Timer, fuzz: bool = False
    ) -> None:
        self.fuzz = fuzz
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.timer = timer

    async def record_answer(self, place: Place, who: Who, post_id: int, choice: int) -> ReceiptView:
        """A click: the learner's first answer to a post of this channel, hidden till the reveal."""
        async with self.repo.unit() as u:
            tenant = await tenant_here(u, place)
            post = await u.get_post(post_id)
            if post is None:
                raise NothingToAnswer()
            check_post_place(post, tenant, place)
            return await self._answer(u, tenant, post, who, choice)

    async def answer_by_message(
        self, place: Place, who: Who, message_id: str, text: str
    ) -> ReceiptView:
        """A typed reply to a question's message (a Slack thread): answers that question."""
        async with self.repo.unit() as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            post = await u.post_by_message(tenant.id, place.channel, message_id) if tenant else None
            if tenant is None or post is None:
                raise NothingToAnswer()
            return await self._answer(u, tenant, post, who, self._typed(post, text))

    async def answer_in_channel(self, place: Place, who: Who, text: str) -> ReceiptView:
        """A typed answer in the channel itself: it goes to the newest open question."""
        async with self.repo.unit() as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            post = await u.latest_open_post(tenant.id, place.channel) if tenant else None
            if tenant is None or post is None:
                raise NothingToAnswer()
            return await self._answer(u, tenant, post, who, self._typed(post, text))

    def _typed(self, post: Post, text: str) -> int:
        question = self.questions.live(post.question_id)
        choice = parse_answer(text, question.type, len(question.choices))
        if choice is None:
            letters = ", ".join(LETTERS[: len(question.choices)])
            raise NotAnAnswer(text, "true, false" if question.type == "truefalse" else letters)
        return choice

    async def _answer(
        self, u: Unit, tenant: Tenant, post: Post, who: Who, choice: int
    ) -> ReceiptView:
        now = self.clock.now()
        if not post.is_open(now):
            raise QuestionClosed()
        question = self.questions.live(post.question_id)
        check_choice(question, choice)
        learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
        window = post.closes_at - post.opens_at
        await grade(
            u,
            learner.id,
            question,
            choice,
            now,
            now - post.opens_at,
            window / 3 if post.kind == "quiz" else None,
            kind=post.kind,
            tenant_id=tenant.id,
            channel=post.channel,
            post_id=post.id,
            window=window,
            fuzz=self.fuzz,
        )
        if post.round_id is not None and await self._everyone_answered(u, post):
            self.timer.close_at(post.id, now)
        return ReceiptView(post.kind, question.id, choice, post.closes_at, post.id)

    async def _everyone_answered(self, u: Unit, post: Post) -> bool:
        """A quiz question closes early once everyone who took part in the round so far
        (and the console's explicit roster) has answered it. The first question waits for
        its timer unless a roster was given: nobody knows yet who is playing."""
        assert post.round_id is not None and post.position is not None
        quiz = await u.get_round(post.round_id)
        if quiz is None:
            return False
        expected = set(quiz.roster) | await u.round_answerers(quiz.id, post.position)
        if not expected:
            return False
        answered = {a.learner_id for a in await u.answers_for_post(post.id)}
        return expected <= answered
