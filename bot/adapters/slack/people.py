"""Who a Slack user is to the core: a name, and whether they may manage the workspace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import Place, Who

log = logging.getLogger(__name__)
PLATFORM = "slack"


def place(team_id: str, channel_id: str) -> Place:
    return Place(PLATFORM, team_id, channel_id)


class People:
    """Builds ``Who`` from users.info; roles are asked afresh on every call that needs them.

    Display names are kept for a while (they only label leaderboards); roles never are,
    so a demoted admin loses drill rights at once.
    """

    def __init__(self, client: AsyncWebClient, admin_users: Iterable[str] = ()) -> None:
        self.client = client
        self.admin_users = frozenset(u.strip() for u in admin_users if u.strip())
        self._names: dict[str, str] = {}
        self._asking: dict[str, asyncio.Task[str]] = {}

    async def who(self, user_id: str) -> Who:
        """A learner; users.info is asked only when no name is known yet."""
        name = self._names.get(user_id)
        if name is None:
            name = await self._name(user_id)
        return Who(PLATFORM, user_id, name)

    async def _name(self, user_id: str) -> str:
        """users.info once, however many clicks of a new learner wait for their name."""
        asking = self._asking.get(user_id)
        if asking is None:
            asking = asyncio.get_running_loop().create_task(self._look_up(user_id))
            self._asking[user_id] = asking
            asking.add_done_callback(partial(self._asked, user_id))
        return await asyncio.shield(asking)  # a waiter given up on leaves it to the others

    def _asked(self, user_id: str, asking: asyncio.Task[str]) -> None:
        self._asking.pop(user_id, None)
        if not asking.cancelled():
            asking.exception()  # seen here, in case every waiter has gone

    async def _look_up(self, user_id: str) -> str:
        user = await self._info(user_id)
        name = _display_name(user) if user else user_id
        self._names[user_id] = name
        return name

    async def manager(self, user_id: str) -> Who:
        """A learner with the platform's current word on whether they may manage."""
        if user_id in self.admin_users:
            base = await self.who(user_id)
            return Who(PLATFORM, user_id, base.display_name, can_manage=True)
        user = await self._info(user_id)
        if user is None:
            base = await self.who(user_id)
            return Who(PLATFORM, user_id, base.display_name, can_manage=False)
        name = _display_name(user)
        self._names[user_id] = name
        can_manage = bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        return Who(PLATFORM, user_id, name, can_manage=can_manage)

    async def _info(self, user_id: str) -> dict[str, Any] | None:
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        user = response.get("user")
        return user if isinstance(user, dict) else None


def _display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for name in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return str(user.get("id", "someone"))
