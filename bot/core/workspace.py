"""A workspace's own settings (its time zone, its weekly board) and the weekly board itself."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.core.clock import Clock
from bot.core.errors import BadInput
from bot.core.ports import Place, Repository, Timer, Who
from bot.core.records import DEFAULT_BOARD_TIME, NewDelivery, Tenant
from bot.core.schedules import check_zone, last_fire_at_or_before
from bot.core.usecase import CoreConfig, require_manager
from bot.core.views import TenantSettingsView


def board_week(tenant: Tenant, now: datetime) -> tuple[datetime, date] | None:
    """The latest weekly-board instant at or before `now`, and the Monday 00:00 (local) of
    the ISO week that ended before it; None when the board is off."""
    if tenant.board_day is None:
        return None
    last = last_fire_at_or_before(tenant.board_time, tenant.timezone, (tenant.board_day,), now)
    if last is None:
        return None
    instant, day = last
    monday = day - timedelta(days=day.weekday() + 7)
    return instant, monday


def settings_view(tenant: Tenant) -> TenantSettingsView:
    return TenantSettingsView(
        timezone=tenant.timezone,
        timezone_explicit=tenant.timezone_explicit,
        board_day=tenant.board_day,
        board_time=tenant.board_time.strftime("%H:%M"),
    )


class Workspace:
    def __init__(self, repo: Repository, clock: Clock, timer: Timer, config: CoreConfig) -> None:
        self.repo = repo
        self.clock = clock
        self.timer = timer
        self.config = config

    async def tenant_settings(self, place: Place) -> TenantSettingsView:
        async with self.repo.unit(readonly=True) as u:
            tenant = await u.find_tenant(place.platform, place.tenant)
        if tenant is None:
            return TenantSettingsView(self.config.default_timezone, False, 0, "09:00")
        return settings_view(tenant)

    async def set_timezone(self, place: Place, who: Who, zone: str) -> TenantSettingsView:
        """Managers set the zone of weeks, streaks and the weekly board explicitly."""
        require_manager(who, "change the workspace's time zone")
        check_zone(zone)
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(place.platform, place.tenant, zone)
            await u.set_tenant_timezone(tenant.id, zone, explicit=True)
            tenant = await u.get_tenant(tenant.id) or tenant
        self.timer.watch_boards(tenant)
        return settings_view(tenant)

    async def set_weekly_board(
        self, place: Place, who: Who, day: int | None, at: time | None = None
    ) -> TenantSettingsView:
        """The weekly board's day (0 = Monday; None turns it off) and local time."""
        require_manager(who, "change the weekly board")
        if day is not None and not 0 <= day <= 6:
            raise BadInput("The weekly board's day is Monday (0) to Sunday (6), or off.")
        async with self.repo.unit() as u:
            tenant = await u.ensure_tenant(
                place.platform, place.tenant, self.config.default_timezone
            )
            await u.set_tenant_board(tenant.id, day, at or tenant.board_time or DEFAULT_BOARD_TIME)
            tenant = await u.get_tenant(tenant.id) or tenant
        self.timer.watch_boards(tenant)
        return settings_view(tenant)

    async def post_weekly_boards(self) -> int:
        """Queue the ended week's board for every channel with a drill, once per (channel,
        week) by the delivery's unique key; catches up a board missed while down, until the
        next board is due. Returns how many were queued."""
        now = self.clock.now()
        queued = 0
        async with self.repo.unit() as u:
            for tenant in await u.tenants_with_boards():
                found = board_week(tenant, now)
                if found is None:
                    continue
                _, week_start = found
                for channel in await u.drill_channels(tenant.id):
                    key = f"weekly:{tenant.id}:{channel}:{week_start.isoformat()}"
                    added = await u.add_delivery(
                        NewDelivery(
                            "weekly_board", tenant.id, channel, key, now, week_start=week_start
                        )
                    )
                    queued += added is not None
        if queued:
            self.timer.deliver_soon()
        return queued

    async def watch_all_boards(self) -> None:
        async with self.repo.unit(readonly=True) as u:
            tenants = await u.tenants_with_boards()
        for tenant in tenants:
            self.timer.watch_boards(tenant)
