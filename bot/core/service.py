"""StudyService: the one object every adapter drives.

An adapter parses a request, calls one method, and renders the view it returns.
Every use case takes the `Place` (platform, workspace, channel) and the `Who`
the request came from, and checks posts, rounds and review sessions against
them before recording anything. Domain errors (bot.core.errors) carry a message
that is safe to show and names no command.

Channel questions
    start_quiz(place, who, concept, count, roster) -> StartedView
    record_answer(place, who, post_id, choice) -> ReceiptView         a button
    answer_by_message(place, who, message_id, text) -> ReceiptView    a thread reply
    answer_in_channel(place, who, text) -> ReceiptView                a typed answer
Personal review
    start_review(place, who) -> ReviewCardView | None
    answer_review(place, who, session_id, choice, position) -> ReviewStepView
    review_card(place, who, session_id) -> ReviewCardView | None
Daily drills (set, off and now are for managers)
    set_drill(place, who, spec), drill_off(place, who), drill_status(place) -> DrillStatusView
    drill_now(place, who) -> StartedView
Workspace settings (managers)
    set_timezone(place, who, zone), set_weekly_board(place, who, day, at),
    tenant_settings(place) -> TenantSettingsView
Progress (read-only) and your data
    leaderboard(place, period) -> BoardView, stats(place, who, member) -> StatsView,
    topics() -> TopicsView, export_learner(who) -> ExportView, forget_learner(who) -> bool
    readiness(place, who) -> ReadinessView   predicted exam score per concept, what to study next
Timer entry points (the scheduler leader calls these)
    catch_up(), fire_drill(schedule_id, at), close_post(post_id), deliver_pending(),
    post_weekly_boards()

Messages for a channel are never posted by a use case: they are queued in the
same transaction as the change that causes them and delivered by the sender
(bot.core.delivery) with retries, so a crash or an outage loses none.
"""

from __future__ import annotations

import random

from bot.core.answers import ChannelAnswers
from bot.core.clock import Clock
from bot.core.delivery import Sender
from bot.core.drills import Drills
from bot.core.ports import Outbox, Repository, Timer
from bot.core.posts import QuizRounds
from bot.core.progress import Progress
from bot.core.questions import QuestionBank
from bot.core.readiness import Readiness
from bot.core.records import QuestionRow, SyncReport
from bot.core.reviews import Reviews
from bot.core.schedules import last_fire_at_or_before
from bot.core.usecase import CoreConfig, Questions
from bot.core.workspace import Workspace

__all__ = ["CoreConfig", "StudyService"]


class StudyService:
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
        self.timer = timer
        self.config = config = config or CoreConfig()
        rng = rng or random.Random()
        questions = Questions(bank)
        self.questions = questions
        answers = ChannelAnswers(repo, questions, clock, timer, config.fsrs_fuzzing)
        reviews = Reviews(repo, questions, clock, config)
        rounds = QuizRounds(repo, questions, clock, timer, config, rng)
        drills = Drills(repo, questions, clock, timer, config, rng)
        workspace = Workspace(repo, clock, timer, config)
        progress = Progress(repo, questions, clock, config)
        self.sender = Sender(repo, questions, clock, outbox, timer, config)
        self._drills = drills
        self._rounds = rounds
        self._workspace = workspace

        self.record_answer = answers.record_answer
        self.answer_by_message = answers.answer_by_message
        self.answer_in_channel = answers.answer_in_channel
        self.start_review = reviews.start_review
        self.answer_review = reviews.answer_review
        self.review_card = reviews.review_card
        self.start_quiz = rounds.start_quiz
        self.close_post = rounds.close_post
        self.set_drill = drills.set_drill
        self.drill_off = drills.drill_off
        self.drill_status = drills.drill_status
        self.drill_now = drills.drill_now
        self.fire_drill = drills.fire_drill
        self.set_timezone = workspace.set_timezone
        self.set_weekly_board = workspace.set_weekly_board
        self.tenant_settings = workspace.tenant_settings
        self.post_weekly_boards = workspace.post_weekly_boards
        self.leaderboard = progress.leaderboard
        self.stats = progress.stats
        self.topics = progress.topics
        self.export_learner = progress.export_learner
        self.forget_learner = progress.forget_learner
        self.readiness = Readiness(repo, questions, clock, config).readiness
        self.deliver_pending = self.sender.deliver_pending
        self.check_concept = questions.check_concept

    def concepts(self) -> list[tuple[str, str]]:
        """(id, title) of every concept that has questions, for choices and autocomplete."""
        having = {q.concept for q in self.bank.questions}
        return [(c.id, c.title) for c in self.bank.concepts if c.id in having]

    async def sync_questions(self) -> SyncReport:
        """Make the database's question list match the loaded bank (retire, never delete)."""
        rows = [QuestionRow(q.id, q.concept, q.content_hash()) for q in self.bank.questions]
        async with self.repo.unit() as u:
            return await u.sync_questions(rows)

    async def catch_up(self) -> None:
        """At start-up (or on becoming the leader): run a drill missed within the grace
        window, close what is overdue, queue a missed weekly board, re-arm every timer and
        deliver what is queued. Nothing runs twice."""
        now = self.clock.now()
        async with self.repo.unit(readonly=True) as u:
            schedules = await u.enabled_schedules()
        for schedule in schedules:
            self.timer.watch_schedule(schedule)
            missed = last_fire_at_or_before(
                schedule.local_time, schedule.timezone, schedule.weekdays, now
            )
            if (
                missed
                and missed[0] >= schedule.updated_at
                and now - missed[0] <= self.config.drill_grace
            ):
                await self.fire_drill(schedule.id, missed[0])
        async with self.repo.unit(readonly=True) as u:
            pending = await u.unrevealed_posts()
        for post in pending:
            if post.closes_at <= now:
                await self.close_post(post.id)
            else:
                self.timer.close_at(post.id, post.closes_at)
        await self._workspace.watch_all_boards()
        await self.post_weekly_boards()
        self.timer.deliver_soon()
