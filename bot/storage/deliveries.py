"""The outbox: what the bot must say in channels, kept until a platform confirms it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.records import Delivery, NewDelivery
from bot.storage import mapping
from bot.storage.tables import deliveries, drill_schedules
from bot.storage.transaction import Transaction


class DeliveryTables(Transaction):
    """The DeliveryStore port."""

    async def add_delivery(self, delivery: NewDelivery) -> int | None:
        """The new row's id, due at once; None when its dedup_key is already queued."""
        statement = (
            insert(deliveries).values(mapping.delivery_values(delivery)).returning(deliveries.c.id)
        )
        try:
            async with self._db.begin_nested():
                return int((await self._db.execute(statement)).scalar_one())
        except IntegrityError:
            # Only a queued key is a quiet None; a bad kind or tenant is a bug to raise.
            if await self.delivery_for(delivery.dedup_key) is not None:
                return None
            raise

    async def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Undelivered rows whose next attempt is due, oldest (lowest id) first."""
        query = (
            select(deliveries)
            .where(deliveries.c.delivered_at.is_(None), deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        return [mapping.delivery(row) for row in await self._rows(query)]

    async def get_delivery(self, delivery_id: int) -> Delivery | None:
        return await self._delivery(deliveries.c.id == delivery_id)

    async def delivery_for(self, dedup_key: str) -> Delivery | None:
        return await self._delivery(deliveries.c.dedup_key == dedup_key)

    async def mark_delivered(self, delivery_id: int, message_id: str | None, now: datetime) -> None:
        """Delivered at `now`; a None message id keeps the one stored before (if any)."""
        values: dict[str, Any] = {"delivered_at": now}
        if message_id is not None:
            values["message_id"] = message_id
        await self._db.execute(
            update(deliveries).where(deliveries.c.id == delivery_id).values(values)
        )

    async def retry_delivery_at(self, delivery_id: int, attempts: int, when: datetime) -> None:
        await self._db.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(attempts=attempts, next_attempt_at=when)
        )

    async def drop_deliveries(self, post_id: int) -> None:
        """Forget what is still undelivered about a post; delivered rows stay."""
        await self._db.execute(
            delete(deliveries).where(
                deliveries.c.post_id == post_id, deliveries.c.delivered_at.is_(None)
            )
        )

    async def next_delivery_at(self) -> datetime | None:
        """When the earliest undelivered row is due; None when nothing waits."""
        query = select(func.min(deliveries.c.next_attempt_at)).where(
            deliveries.c.delivered_at.is_(None)
        )
        earliest: datetime | None = (await self._db.execute(query)).scalar_one()
        return earliest

    async def drill_channels(self, tenant_id: int) -> list[str]:
        """Channels of the tenant with an enabled drill, in name order."""
        query = (
            select(drill_schedules.c.channel)
            .where(drill_schedules.c.tenant_id == tenant_id, drill_schedules.c.enabled)
            .order_by(self._in_code_point_order(drill_schedules.c.channel))
        )
        return list((await self._db.execute(query)).scalars())

    async def _delivery(self, *where: Any) -> Delivery | None:
        row = await self._first(select(deliveries).where(*where))
        return mapping.delivery(row) if row else None
