"""Daily drills: the channel's schedule and the drill it posts once per local date."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from bot.core import selection
from bot.core.clock import Clock
from bot.core.errors import NoDrillSchedule
from bot.core.ports import Place, Repository, Timer, Unit, Who
from bot.core.records import DrillSchedule, NewPost, NewSchedule, Post, Tenant
from bot.core.schedules import (
    DEFAULT_WINDOW,
    DrillSpec,
    describe_days,
    describe_duration,
    local_date,
    next_fire_after,
)
from bot.core.usecase import CoreConfig, Questions, question_delivery, require_manager
from bot.core.views import DrillStatusView, StartedView

RECENT_LEARNERS = timedelta(days=14)


class Drills:
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

    async def set_drill(self, place: Place, who: Who, spec: DrillSpec) -> DrillStatusView:
        """Create or replace the channel's daily drill (managers only). The workspace's
        zone follows its first drill until a manager sets the zone explicitly."""
        require_manager(who, "change the daily drill")
        self.questions.check_concept(spec.concept)
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(place.platform, place.tenant, spec.timezone)
            learner = await u.ensure_learner(who.platform, who.user_id, who.display_name)
            others = set(await u.drill_channels(tenant.id)) - {place.channel}
            if not tenant.timezone_explicit and not others:
                await u.set_tenant_timezone(tenant.id, spec.timezone, explicit=False)
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
            tenant = await u.get_tenant(tenant.id) or tenant
        self.timer.watch_schedule(schedule)
        self.timer.watch_boards(tenant)
        return self._status(schedule, now)

    async def drill_off(self, place: Place, who: Who) -> DrillStatusView:
        require_manager(who, "turn the daily drill off")
        now = self.clock.now()
        async with self.repo.unit() as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            schedule = await u.schedule_for_channel(tenant.id, place.channel) if tenant else None
            if schedule is None or not schedule.enabled:
                raise NoDrillSchedule()
            await u.set_schedule_enabled(schedule.id, False, now)
        self.timer.unwatch_schedule(schedule.id)
        return DrillStatusView(enabled=False)

    async def drill_status(self, place: Place) -> DrillStatusView:
        async with self.repo.unit(readonly=True) as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
            schedule = await u.schedule_for_channel(tenant.id, place.channel) if tenant else None
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

    async def drill_now(self, place: Place, who: Who) -> StartedView:
        """Post a drill at once, outside the daily schedule (it does not use up today's)."""
        require_manager(who, "post a drill now")
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(
                place.platform, place.tenant, self.config.default_timezone
            )
            schedule = await u.schedule_for_channel(tenant.id, place.channel)
            window = timedelta(minutes=schedule.window_minutes) if schedule else DEFAULT_WINDOW
            concept = schedule.concept if schedule else None
            post = await self._post_drill(u, tenant, place.channel, None, None, window, concept)
        assert post is not None  # only scheduled drills can collide
        self._posted(post)
        return StartedView("drill", 1, concept)

    async def fire_drill(self, schedule_id: int, fire_at: datetime) -> bool:
        """The daily job: post the drill for the schedule's local date, at most once."""
        async with self.repo.unit() as u:
            schedule = await u.get_schedule(schedule_id)
            if schedule is None or not schedule.enabled:
                return False
            tenant = await u.get_tenant(schedule.tenant_id)
            assert tenant is not None  # schedules reference their tenant by foreign key
            day = local_date(fire_at, schedule.timezone)
            if await u.drill_post_for(schedule.id, day) is not None:
                return False
            window = timedelta(minutes=schedule.window_minutes)
            post = await self._post_drill(
                u, tenant, schedule.channel, schedule.id, day, window, schedule.concept
            )
        if post is None:
            return False  # another process posted this date's drill first
        self._posted(post)
        return True

    def _posted(self, post: Post) -> None:
        self.timer.close_at(post.id, post.closes_at)
        self.timer.deliver_soon()

    async def _post_drill(
        self,
        u: Unit,
        tenant: Tenant,
        channel: str,
        schedule_id: int | None,
        day: date | None,
        window: timedelta,
        concept: str | None,
    ) -> Post | None:
        now = self.clock.now()
        bank = self.questions.bank
        candidates = bank.in_concept(concept) or list(bank.questions)
        learners = await u.recent_channel_learners(
            tenant.id, channel, now - RECENT_LEARNERS, limit=selection.DRILL_SAMPLE
        )
        cards = await u.cards_for(learners, [q.id for q in candidates])
        recent = await u.recent_drill_questions(tenant.id, channel, selection.DRILL_NO_REPEAT)
        question = selection.pick_drill_question(candidates, recent, learners, cards, now, self.rng)
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
        if post is not None:
            await u.add_delivery(question_delivery(post))
        return post
