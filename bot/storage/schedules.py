"""Drill schedules: one per channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from bot.core.records import DrillSchedule, NewSchedule
from bot.storage import mapping
from bot.storage.tables import drill_schedules
from bot.storage.transaction import Transaction


class ScheduleTables(Transaction):
    """The ScheduleStore port."""

    async def save_schedule(self, schedule: NewSchedule) -> DrillSchedule:
        """Create or replace the channel's schedule (keeps its id); enables it."""
        values = mapping.schedule_values(schedule)
        existing = await self.schedule_for_channel(schedule.tenant_id, schedule.channel)
        if existing is None:
            statement = insert(drill_schedules).values(values).returning(drill_schedules)
            row = await self._insert_or_none(statement)
            if row is not None:
                return mapping.schedule(row)
            # A concurrent unit created it since our select: replace theirs.
            existing = await self.schedule_for_channel(schedule.tenant_id, schedule.channel)
            assert existing is not None
        replace = (
            update(drill_schedules)
            .where(drill_schedules.c.id == existing.id)
            .values(values)
            .returning(drill_schedules)
        )
        return mapping.schedule((await self._db.execute(replace)).one())

    async def schedule_for_channel(self, tenant_id: int, channel: str) -> DrillSchedule | None:
        return await self._schedule(
            drill_schedules.c.tenant_id == tenant_id, drill_schedules.c.channel == channel
        )

    async def get_schedule(self, schedule_id: int) -> DrillSchedule | None:
        return await self._schedule(drill_schedules.c.id == schedule_id)

    async def enabled_schedules(self) -> list[DrillSchedule]:
        query = (
            select(drill_schedules).where(drill_schedules.c.enabled).order_by(drill_schedules.c.id)
        )
        return [mapping.schedule(row) for row in await self._rows(query)]

    async def set_schedule_enabled(self, schedule_id: int, enabled: bool, now: datetime) -> None:
        await self._db.execute(
            update(drill_schedules)
            .where(drill_schedules.c.id == schedule_id)
            .values(enabled=enabled, updated_at=now)
        )

    async def schedules_created_by(self, learner_id: int) -> list[DrillSchedule]:
        query = (
            select(drill_schedules)
            .where(drill_schedules.c.created_by == learner_id)
            .order_by(drill_schedules.c.id)
        )
        return [mapping.schedule(row) for row in await self._db.execute(query)]

    async def _schedule(self, *where: Any) -> DrillSchedule | None:
        row = await self._first(select(drill_schedules).where(*where))
        return mapping.schedule(row) if row else None
