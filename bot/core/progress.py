"""Progress use cases: stats, leaderboards, topics, and a learner's own data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from bot.core import scoring
from bot.core.errors import BadInput
from bot.core.ports import Place, Who
from bot.core.schedules import local_date, week_bounds
from bot.core.srs import is_mastered
from bot.core.usecase import UseCaseBase
from bot.core.views import BoardView, ConceptProgress, ExportView, StatsView, TopicsView

PERIODS = ("week", "all")


class ProgressUseCases(UseCaseBase):
    async def leaderboard(self, place: Place, period: str = "week") -> BoardView:
        """Weekly (ISO week in the tenant's zone) or all-time points in this tenant."""
        if period not in PERIODS:
            raise BadInput("Use /leaderboard week or /leaderboard all.")
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            if period == "week":
                start, end = week_bounds(now, tenant.timezone)
                rows = await u.leaderboard(tenant.id, start, end, self.config.leaderboard_size)
            else:
                rows = await u.leaderboard(tenant.id, None, None, self.config.leaderboard_size)
        if period == "week":
            monday = local_date(start, tenant.timezone)
            title = f"Leaderboard: week of {monday.isoformat()} ({tenant.timezone})"
            return BoardView(title=title, rows=tuple(rows), period_start=monday)
        return BoardView(title="Leaderboard: all time", rows=tuple(rows))

    async def stats(self, place: Place, who: Who) -> StatsView:
        """Answered, accuracy, streak, points, what is due, and mastery per concept."""
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            answers = await u.answers_of(learner.id)
            cards = await u.cards_of(learner.id)
            due_now = await u.count_due(learner.id, now)
            due_week = await u.count_due(learner.id, now + timedelta(days=7))
        start, end = week_bounds(now, tenant.timezone)
        mine = [a for a in answers if a.tenant_id == tenant.id]
        per_concept_total = Counter(q.concept for q in self.bank.questions)
        concept_of = {q.id: q.concept for q in self.bank.questions}
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
            for c in self.bank.concepts
            if per_concept_total[c.id]
        )
        return StatsView(
            name=learner.display_name,
            answered=len(answers),
            correct=sum(1 for a in answers if a.correct),
            streak=scoring.streak(
                (a.answered_at for a in answers), tenant.timezone, local_date(now, tenant.timezone)
            ),
            points_week=sum(a.points for a in mine if start <= a.answered_at < end),
            points_all=sum(a.points for a in mine),
            due_now=due_now,
            due_week=due_week,
            concepts=concepts,
        )

    def topics(self) -> TopicsView:
        counts = Counter(q.concept for q in self.bank.questions)
        return TopicsView(
            topics=tuple((c.id, c.title, counts[c.id]) for c in self.bank.concepts if counts[c.id])
        )

    async def export_learner(self, who: Who) -> ExportView:
        """Everything studybot stores about a learner, as JSON-ready data."""
        async with self.repo.unit() as u:
            learner = await u.find_learner(who.platform, who.user_id)
            if learner is None:
                return ExportView({"learner": None, "answers": [], "cards": []})
            answers = await u.answers_of(learner.id)
            cards = await u.cards_of(learner.id)
        data: dict[str, Any] = {
            "learner": {
                "platform": learner.platform,
                "user_id": learner.platform_user_id,
                "display_name": learner.display_name,
            },
            "answers": [
                {
                    "question": a.question_id,
                    "channel": a.channel,
                    "choice": "abcde"[a.choice],
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
        }
        return ExportView(data)

    async def forget_learner(self, who: Who) -> bool:
        """Delete the learner's answers, cards and profile; False if there was nothing."""
        async with self.repo.unit() as u:
            learner = await u.find_learner(who.platform, who.user_id)
            if learner is None:
                return False
            await u.delete_learner(learner.id)
        return True
