"""StudyService: the use cases every adapter calls.

Each public method is one use case: it opens one unit of work, applies the
domain rules and returns a view. Posting to a channel goes through the Outbox
after the unit has committed, so a platform failure never rolls back an answer.
The use cases are grouped by job in answers, posts, drills and progress.
"""

from __future__ import annotations

from bot.core.answers import AnswerUseCases
from bot.core.drills import DrillUseCases
from bot.core.posts import PostUseCases
from bot.core.progress import ProgressUseCases
from bot.core.schedules import last_fire_at_or_before
from bot.core.usecase import CoreConfig

__all__ = ["CoreConfig", "StudyService"]


class StudyService(AnswerUseCases, PostUseCases, DrillUseCases, ProgressUseCases):
    async def catch_up(self) -> None:
        """At start-up: run a drill missed within the grace window, re-post questions whose
        post failed, reveal what is overdue and re-arm every timer. Nothing runs twice."""
        now = self.clock.now()
        async with self.repo.unit() as u:
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
        async with self.repo.unit() as u:
            pending = await u.unrevealed_posts()
        for post in pending:
            if post.closes_at <= now:
                await self.close_post(post.id)
            elif post.message_id is None and (question := self.bank.get(post.question_id)):
                place = await self._place(post.tenant_id, post.channel)
                await self._publish(
                    place, post, self._question_view(post.kind, question, post=post)
                )
            else:
                self.timer.close_at(post.id, post.closes_at)
