"""Daily drills: the channel's schedule and the drill it posts once per local date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core import selection
from bot.core.errors import NoDrillSchedule, NoQuestions
from bot.core.ports import Place, Who
from bot.core.records import DrillSchedule, NewPost, NewSchedule, Tenant
from bot.core.schedules import (
    DEFAULT_WINDOW,
    DrillSpec,
    describe_days,
    describe_duration,
    local_date,
    next_fire_after,
)
from bot.core.usecase import UseCaseBase
from bot.core.views import DrillStatusView, QuestionView

RECENT_LEARNERS = timedelta(days=14)


class DrillUseCases(UseCaseBase):
    async def set_drill(self, place: Place, who: Who, spec: DrillSpec) -> DrillStatusView:
        """Create or replace the channel's daily drill; the tenant's weeks follow its zone."""
        self.check_concept(spec.concept)
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            await u.set_tenant_timezone(tenant.id, spec.timezone)
            schedule = await u.save_schedule(
                NewSchedule(
                    tenant_id=tenant.id,
                    channel=place.channel,
                    local_time=spec.local_time,
                    timezone=spec.timezone,
                    weekdays=spec.weekdays,
                    window_minutes=int(spec.window.total_seconds() // 60),
                    concept=spec.concept,
                    created_by=learner.id,
                    updated_at=now,
                )
            )
        self.timer.watch_schedule(schedule)
        return self._status(schedule, now)

    async def drill_off(self, place: Place) -> DrillStatusView:
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            schedule = await u.schedule_for_channel(tenant.id, place.channel)
            if schedule is None or not schedule.enabled:
                raise NoDrillSchedule()
            await u.set_schedule_enabled(schedule.id, False, now)
        self.timer.unwatch_schedule(schedule.id)
        return DrillStatusView(enabled=False)

    async def drill_status(self, place: Place) -> DrillStatusView:
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            schedule = await u.schedule_for_channel(tenant.id, place.channel)
        if schedule is None or not schedule.enabled:
            return DrillStatusView(enabled=False)
        return self._status(schedule, self.clock.now())

    def _status(self, schedule: DrillSchedule, now: datetime) -> DrillStatusView:
        upcoming = next_fire_after(schedule.local_time, schedule.timezone, schedule.weekdays, now)
        return DrillStatusView(
            enabled=schedule.enabled,
            local_time=schedule.local_time.strftime("%H:%M"),
            timezone=schedule.timezone,
            days=describe_days(schedule.weekdays),
            window=describe_duration(timedelta(minutes=schedule.window_minutes)),
            concept=schedule.concept,
            next_fire=upcoming[0] if upcoming else None,
            next_fire_local=upcoming[1].isoformat() if upcoming else None,
        )

    async def drill_now(self, place: Place) -> QuestionView:
        """Post a drill at once, outside the daily schedule (it does not use up today's)."""
        async with self.repo.unit() as u:
            tenant = await self._tenant(u, place)
            schedule = await u.schedule_for_channel(tenant.id, place.channel)
        window = timedelta(minutes=schedule.window_minutes) if schedule else DEFAULT_WINDOW
        concept = schedule.concept if schedule else None
        view = await self._post_drill(tenant, place.channel, None, None, window, concept)
        if view is None:  # pragma: no cover - only scheduled drills can conflict
            raise NoQuestions()
        return view

    async def fire_drill(self, schedule_id: int, fire_at: datetime) -> QuestionView | None:
        """The daily job: post the drill for the schedule's local date, at most once."""
        async with self.repo.unit() as u:
            schedule = await u.get_schedule(schedule_id)
            if schedule is None or not schedule.enabled:
                return None
            tenant = await u.get_tenant(schedule.tenant_id)
            day = local_date(fire_at, schedule.timezone)
            if await u.drill_post_for(schedule.id, day) is not None:
                return None
        assert tenant is not None
        window = timedelta(minutes=schedule.window_minutes)
        return await self._post_drill(
            tenant, schedule.channel, schedule.id, day, window, schedule.concept
        )

    async def _post_drill(
        self,
        tenant: Tenant,
        channel: str,
        schedule_id: int | None,
        day: date | None,
        window: timedelta,
        concept: str | None,
    ) -> QuestionView | None:
        now = self.clock.now()
        candidates = self.bank.in_concept(concept) or list(self.bank.questions)
        async with self.repo.unit() as u:
            learners = await u.recent_channel_learners(tenant.id, channel, now - RECENT_LEARNERS)
            cards = await u.cards_for(learners, [q.id for q in candidates])
            recent = await u.recent_drill_questions(tenant.id, channel, selection.DRILL_NO_REPEAT)
            question = selection.pick_drill_question(
                candidates, recent, learners, cards, now, self.rng
            )
            post = await u.create_post(
                NewPost(
                    kind="drill",
                    tenant_id=tenant.id,
                    channel=channel,
                    question_id=question.id,
                    opens_at=now,
                    closes_at=now + window,
                    schedule_id=schedule_id,
                    local_date=day,
                )
            )
        if post is None:
            return None  # another process posted this date's drill first
        view = self._question_view("drill", question, post=post)
        await self._publish(Place(tenant.platform, tenant.external_id, channel), post, view)
        return view
