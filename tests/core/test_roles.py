"""Who may manage: drills and workspace settings are for managers; the reason is given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import time

import pytest

from bot.core.errors import NotAllowed
from bot.core.schedules import DrillSpec
from bot.core.service import StudyService
from bot.core.views import DrillStatusView, TenantSettingsView
from tests.core.conftest import ANA, MOD, PLACE, World

SPEC = DrillSpec(time(9, 0), "Europe/Berlin")

Attempt = Callable[[StudyService], Awaitable[object]]
ATTEMPTS: list[tuple[str, Attempt, str]] = [
    ("set", lambda s: s.set_drill(PLACE, ANA, SPEC), "change the daily drill"),
    ("off", lambda s: s.drill_off(PLACE, ANA), "turn the daily drill off"),
    ("now", lambda s: s.drill_now(PLACE, ANA), "post a drill now"),
    (
        "zone",
        lambda s: s.set_timezone(PLACE, ANA, "Asia/Tokyo"),
        "change the workspace's time zone",
    ),
    ("board", lambda s: s.set_weekly_board(PLACE, ANA, 4, time(17, 0)), "change the weekly board"),
]


@pytest.mark.parametrize(
    ("attempt", "action"), [a[1:] for a in ATTEMPTS], ids=[a[0] for a in ATTEMPTS]
)
async def test_a_non_manager_is_refused_with_the_reason(
    world: World, attempt: Attempt, action: str
) -> None:
    """Ana may not manage: NotAllowed says who may and whom to ask, and nothing changes."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(7, 30), "UTC"))
    before = await world.service.tenant_settings(PLACE)
    with pytest.raises(NotAllowed) as raised:
        await attempt(world.service)
    assert (
        raised.value.reason
        == str(raised.value)
        == (
            f"Only people who can manage this workspace may {action}; "
            "ask a server admin or workspace admin."
        )
    )
    status = await world.service.drill_status(PLACE)
    assert (status.enabled, status.local_time, status.timezone) == (True, "07:30", "UTC")
    assert await world.service.tenant_settings(PLACE) == before
    await world.deliver()
    assert world.outbox.posts == []
    async with world.repo.unit() as u:
        assert await u.find_learner(ANA.platform, ANA.user_id) is None


async def test_a_non_manager_is_refused_in_a_new_workspace_too(world: World) -> None:
    """Refused before anything is created: no workspace row appears for the attempt."""
    with pytest.raises(NotAllowed):
        await world.service.set_drill(PLACE, ANA, SPEC)
    async with world.repo.unit() as u:
        assert await u.find_tenant(PLACE.platform, PLACE.tenant) is None


async def test_a_manager_may_do_all_of_it(world: World) -> None:
    """Mo manages: drill set, now, off and both workspace settings go through."""
    assert (await world.service.set_drill(PLACE, MOD, SPEC)).enabled
    assert (await world.service.drill_now(PLACE, MOD)).kind == "drill"
    assert await world.service.drill_off(PLACE, MOD) == DrillStatusView(enabled=False)
    zone = await world.service.set_timezone(PLACE, MOD, "Asia/Tokyo")
    board = await world.service.set_weekly_board(PLACE, MOD, 4, time(17, 0))
    assert board == TenantSettingsView("Asia/Tokyo", True, 4, "17:00") and zone.timezone_explicit


async def test_anyone_may_read_the_settings_and_the_drill(world: World) -> None:
    """Reading the workspace settings and the drill status needs no role."""
    await world.service.set_drill(PLACE, MOD, SPEC)
    assert (await world.service.drill_status(PLACE)).timezone == "Europe/Berlin"
    settings = await world.service.tenant_settings(PLACE)
    assert settings == TenantSettingsView("Europe/Berlin", False, 0, "09:00")
