"""Tenants (a guild, a workspace, the console) and their settings."""

from __future__ import annotations

from datetime import time

from sqlalchemy import insert, select, update

from bot.core.records import Tenant
from bot.storage import mapping, statements
from bot.storage.scores import ScoreTables
from bot.storage.tables import tenants


class TenantTables(ScoreTables):
    """The TenantStore port."""

    async def ensure_tenant(self, platform: str, external_id: str, timezone: str) -> Tenant:
        """The tenant, created with `timezone` (implicit) if new; an existing zone is kept."""
        query = select(tenants).where(
            tenants.c.platform == platform, tenants.c.external_id == external_id
        )
        row = await self._first(query)
        if row is None:
            values = {
                "platform": platform,
                "external_id": external_id,
                "timezone": timezone,
                "timezone_explicit": False,
            }
            row = await self._insert_or_none(insert(tenants).values(values).returning(tenants))
        if row is None:  # created by a concurrent unit since our select
            row = (await self._db.execute(query)).one()
        return self._seen(mapping.tenant(row))

    async def find_tenant(self, platform: str, external_id: str) -> Tenant | None:
        tenant = await self._db.first(
            statements.FIND_TENANT, {"platform": platform, "external_id": external_id}
        )
        return self._seen(tenant) if tenant else None

    async def get_tenant(self, tenant_id: int) -> Tenant | None:
        tenant = await self._db.first(statements.GET_TENANT, {"id": tenant_id})
        return self._seen(tenant) if tenant else None

    def _seen(self, tenant: Tenant) -> Tenant:
        self._zones[tenant.id] = tenant.timezone
        return tenant

    async def set_tenant_timezone(self, tenant_id: int, timezone: str, explicit: bool) -> None:
        """A new zone moves the tenant's week boundaries: its weekly scores are rebuilt."""
        before = await self._zone_of(tenant_id)
        await self._db.execute(
            update(tenants)
            .where(tenants.c.id == tenant_id)
            .values(timezone=timezone, timezone_explicit=explicit)
        )
        self._zones[tenant_id] = timezone
        if timezone != before:
            await self._rebuild_weeks(tenant_id, timezone)

    async def set_tenant_board(self, tenant_id: int, day: int | None, at: time) -> None:
        """The weekly board's weekday (None = off) and local time."""
        await self._db.execute(
            update(tenants).where(tenants.c.id == tenant_id).values(board_day=day, board_time=at)
        )

    async def tenants_with_boards(self) -> list[Tenant]:
        """Tenants whose weekly board is on, by id."""
        query = select(tenants).where(tenants.c.board_day.is_not(None)).order_by(tenants.c.id)
        return [mapping.tenant(row) for row in await self._rows(query)]
