"""Progress use cases: stats, leaderboards, topics, and a learner's own data."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from typing import Any

from bot.core import scoring
from bot.core.clock import Clock
from bot.core.errors import BadInput
from bot.core.ports import Place, Repository, Who
from bot.core.questions import LETTERS
from bot.core.records import Tenant
from bot.core.schedules import fire_instant, local_date, week_bounds
from bot.core.srs import is_mastered
from bot.core.usecase import CoreConfig, Questions
from bot.core.views import BoardView, ConceptProgress, ExportView, StatsView, TopicsView

PERIODS = ("week", "all")
FORECAST_DAYS = 7


class Progress:
    """Read-only views of progress (they create no rows and never take a write lock),
    plus a learner's own data: export and forget."""

    def __init__(
        self, repo: Repository, questions: Questions, clock: Clock, config: CoreConfig
    ) -> None:
        self.repo = repo
        self.questions = questions
        self.clock = clock
        self.config = config

    def _unknown_tenant(self, place: Place) -> Tenant:
        return Tenant(0, place.platform, place.tenant, self.config.default_timezone)

    async def leaderboard(self, place: Place, period: str = "week") -> BoardView:
        """Weekly (ISO week in the tenant's zone) or all-time points in this tenant."""
        if period not in PERIODS:
            raise BadInput("The period is 'week' or 'all'.")
        now = self.clock.now()
        async with self.repo.unit(readonly=True) as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            tenant = tenant or self._unknown_tenant(place)
            start, end = week_bounds(now, tenant.timezone)
            since, until = (start, end) if period == "week" else (None, None)
            size = self.config.leaderboard_size
            rows = await u.leaderboard(tenant.id, since, until, size) if tenant.id else []
        if period == "week":
            monday = local_date(start, tenant.timezone)
            title = f"Leaderboard: week of {monday.isoformat()} ({tenant.timezone})"
            return BoardView(title=title, rows=tuple(rows), period_start=monday, kind="week")
        return BoardView(title="Leaderboard: all time", rows=tuple(rows), kind="all")

    async def stats(self, place: Place, who: Who, member: Who | None = None) -> StatsView:
        """Answered, accuracy, streak, points, the 7-day due forecast and mastery per
        concept, for the caller or for `member`."""
        subject = member or who
        now = self.clock.now()
        async with self.repo.unit(readonly=True) as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            tenant = tenant or self._unknown_tenant(place)
            learner = await u.find_learner(subject.platform, subject.user_id)
            zone = tenant.timezone
            today = local_date(now, zone)
            horizon = fire_instant(time(0, 0), zone, today + timedelta(days=FORECAST_DAYS))
            if learner is None:
                answers, cards, due_times = [], [], []
            else:
                answers = await u.answers_of(learner.id)
                cards = await u.cards_of(learner.id)
                due_times = await u.due_times(learner.id, horizon)
        forecast = Counter(max(local_date(t, zone), today) for t in due_times)
        start, end = week_bounds(now, tenant.timezone)
        mine = [a for a in answers if a.tenant_id == tenant.id]
        bank = self.questions.bank
        per_concept_total = Counter(q.concept for q in bank.questions)
        concept_of = {q.id: q.concept for q in bank.questions}
        seen = Counter(concept_of.get(c.question_id) for c in cards)
        mastered = Counter(concept_of.get(c.question_id) for c in cards if is_mastered(c.card))
        answered = Counter(concept_of.get(a.question_id) for a in answers)
        correct = Counter(concept_of.get(a.question_id) for a in answers if a.correct)
        concepts = tuple(
            ConceptProgress(
                concept=c.id,
                title=c.title,
                total=per_concept_total[c.id],
                seen=seen[c.id],
                mastered=mastered[c.id],
                answered=answered[c.id],
                correct=correct[c.id],
            )
            for c in bank.concepts
            if per_concept_total[c.id]
        )
        return StatsView(
            name=learner.display_name if learner else subject.display_name,
            answered=len(answers),
            correct=sum(1 for a in answers if a.correct),
            streak=scoring.streak(
                (a.answered_at for a in answers), tenant.timezone, local_date(now, tenant.timezone)
            ),
            points_week=sum(a.points for a in mine if start <= a.answered_at < end),
            points_all=sum(a.points for a in mine),
            due_now=sum(1 for t in due_times if t <= now),
            due_week=len(due_times),
            concepts=concepts,
            forecast=tuple(
                (today + timedelta(days=n), forecast[today + timedelta(days=n)])
                for n in range(FORECAST_DAYS)
            ),
            timezone=zone,
        )

    def topics(self) -> TopicsView:
        bank = self.questions.bank
        counts = Counter(q.concept for q in bank.questions)
        return TopicsView(
            topics=tuple((c.id, c.title, counts[c.id]) for c in bank.concepts if counts[c.id])
        )

    async def export_learner(self, who: Who) -> ExportView:
        """Everything studybot stores about a learner, as JSON-ready data."""
        async with self.repo.unit(readonly=True) as u:
            learner = await u.find_learner(who.platform, who.user_id)
            if learner is None:
                return ExportView(
                    {
                        "learner": None,
                        "answers": [],
                        "cards": [],
                        "review_sessions": [],
                        "schedules_created": [],
                        "quiz_rounds": [],
                    }
                )
            answers = await u.answers_of(learner.id)
            cards = await u.cards_of(learner.id)
            reviews = await u.reviews_of(learner.id)
            schedules = await u.schedules_created_by(learner.id)
            rounds = await u.rounds_of(learner.id)
            tenant_ids = {a.tenant_id for a in answers} | {s.tenant_id for s in schedules}
            tenant_ids |= {r.tenant_id for r in rounds} | {r.tenant_id for r in reviews}
            tenants = {t: await u.get_tenant(t) for t in sorted(tenant_ids)}

        def workspace(tenant_id: int) -> str:
            tenant = tenants.get(tenant_id)
            return f"{tenant.platform}:{tenant.external_id}" if tenant else str(tenant_id)

        data: dict[str, Any] = {
            "learner": {
                "platform": learner.platform,
                "user_id": learner.platform_user_id,
                "display_name": learner.display_name,
            },
            "answers": [
                {
                    "question": a.question_id,
                    "workspace": workspace(a.tenant_id),
                    "channel": a.channel,
                    "post": a.post_id,
                    "choice": LETTERS[a.choice],
                    "correct": a.correct,
                    "points": a.points,
                    "latency_ms": a.latency_ms,
                    "rating": a.rating,
                    "answered_at": a.answered_at.isoformat(),
                }
                for a in answers
            ],
            "cards": [
                {
                    "question": c.question_id,
                    "state": c.card.state,
                    "stability": c.card.stability,
                    "difficulty": c.card.difficulty,
                    "due": c.card.due.isoformat(),
                    "last_review": c.card.last_review.isoformat() if c.card.last_review else None,
                    "reps": c.card.reps,
                    "lapses": c.card.lapses,
                }
                for c in cards
            ],
            "review_sessions": [
                {
                    "workspace": workspace(r.tenant_id),
                    "started_at": r.started_at.isoformat(),
                    "cards": [
                        {
                            "question": i.question_id,
                            "shown_at": i.shown_at.isoformat(),
                            "choice": None if i.choice is None else LETTERS[i.choice],
                        }
                        for i in r.items
                    ],
                }
                for r in reviews
            ],
            "schedules_created": [
                {
                    "workspace": workspace(s.tenant_id),
                    "channel": s.channel,
                    "time": s.local_time.strftime("%H:%M"),
                    "timezone": s.timezone,
                    "enabled": s.enabled,
                }
                for s in schedules
            ],
            "quiz_rounds": [
                {
                    "workspace": workspace(r.tenant_id),
                    "channel": r.channel,
                    "started_by_you": r.started_by == learner.id,
                    "questions": list(r.question_ids),
                    "started_at": r.started_at.isoformat(),
                }
                for r in rounds
            ],
        }
        return ExportView(data)

    async def forget_learner(self, who: Who) -> bool:
        """Delete every trace of the learner (answers, cards, review sessions, their id in
        quiz rounds and schedules) and the profile; False if there was nothing."""
        async with self.repo.unit() as u:
            learner = await u.find_learner(who.platform, who.user_id)
            if learner is None:
                return False
            await u.delete_learner(learner.id)
        return True
