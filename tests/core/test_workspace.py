"""Workspace settings (time zone, weekly board) and the board posted when a week ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.ports import Place, Who
from bot.core.schedules import DrillSpec
from bot.core.views import BoardView, TenantSettingsView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World

OTHER = Place("test", "guild-1", "#other")
QUIET = Place("test", "guild-1", "#quiet")
MONDAY_NINE = datetime(2026, 1, 19, 9, tzinfo=UTC)


async def answer_a_drill(world: World, who: Who, right: bool = True, place: Place = PLACE) -> None:
    """Post a drill now in `place` and answer it at once."""
    await world.service.drill_now(place, MOD)
    await world.deliver()
    view = world.questions("drill")[-1]
    question = world.question(view)
    choice = question.answer if right else (question.answer + 1) % 4
    await world.service.record_answer(place, who, view.post_id or 0, choice)


async def drills_in(world: World, *places: Place, zone: str = "UTC") -> None:
    for place in places:
        await world.service.set_drill(place, MOD, DrillSpec(time(23, 0), zone))


def weekly(world: World) -> list[tuple[str, BoardView]]:
    return [
        (p.channel, v)
        for p, v in world.outbox.posts
        if isinstance(v, BoardView) and v.kind == "weekly"
    ]


async def test_settings_of_a_new_workspace_are_the_defaults(world: World) -> None:
    """Before anything happens: the configured zone, not explicit, board Monday 09:00."""
    assert await world.service.tenant_settings(PLACE) == TenantSettingsView(
        "UTC", False, 0, "09:00"
    )


async def test_the_zone_follows_the_first_drill_only(world: World) -> None:
    """The first drill sets the zone; a second channel's drill does not; re-setting the
    only drill does."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "Europe/Berlin"))
    assert (await world.service.tenant_settings(PLACE)).timezone == "Europe/Berlin"
    await world.service.set_drill(OTHER, MOD, DrillSpec(time(9, 0), "Asia/Tokyo"))
    assert (await world.service.tenant_settings(PLACE)).timezone == "Europe/Berlin"
    await world.service.drill_off(OTHER, MOD)
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "America/New_York"))
    settings = await world.service.tenant_settings(PLACE)
    assert (settings.timezone, settings.timezone_explicit) == ("America/New_York", False)


async def test_a_zone_set_explicitly_wins_over_drills(world: World) -> None:
    """After a manager sets the zone, no drill changes it."""
    await world.service.start_quiz(PLACE, ANA, count=1)  # the workspace exists, zone UTC
    zone = await world.service.set_timezone(PLACE, MOD, "Asia/Tokyo")
    assert (zone.timezone, zone.timezone_explicit) == ("Asia/Tokyo", True)
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "Europe/Berlin"))
    assert await world.service.tenant_settings(PLACE) == zone
    board = await world.service.leaderboard(PLACE, "week")
    assert board.title == "Leaderboard: week of 2026-01-12 (Asia/Tokyo)"


async def test_a_bad_zone_is_refused_and_changes_nothing(world: World) -> None:
    """An unknown zone is explained with examples; the settings stay as they were."""
    for name in ("Mars/Base", "Europe", ""):
        with pytest.raises(BadInput) as raised:
            await world.service.set_timezone(PLACE, MOD, name)
        assert str(raised.value) == (
            f"Unknown time zone '{name}'. Use an IANA zone such as Europe/Berlin, "
            "America/New_York or UTC."
        )
    assert await world.service.tenant_settings(PLACE) == TenantSettingsView(
        "UTC", False, 0, "09:00"
    )


async def test_the_weekly_board_day_and_time(world: World) -> None:
    """Friday 17:00 is kept; changing only the day keeps the time; None turns it off."""
    friday = await world.service.set_weekly_board(PLACE, MOD, 4, time(17, 0))
    assert friday == TenantSettingsView("UTC", False, 4, "17:00")
    tuesday = await world.service.set_weekly_board(PLACE, MOD, 1)
    assert (tuesday.board_day, tuesday.board_time) == (1, "17:00")
    off = await world.service.set_weekly_board(PLACE, MOD, None)
    assert (off.board_day, off.board_time) == (None, "17:00")


async def test_the_board_is_posted_once_per_drill_channel_when_the_week_ends(
    world: World,
) -> None:
    """Monday 09:00: last week's standings go to each channel with an enabled drill, once."""
    await drills_in(world, PLACE, OTHER, QUIET)
    await world.service.drill_off(QUIET, MOD)
    await answer_a_drill(world, ANA)
    await answer_a_drill(world, BOB, right=False)
    await world.timer.advance_to(MONDAY_NINE - timedelta(seconds=1))
    assert weekly(world) == []
    await world.timer.advance_to(MONDAY_NINE)
    boards = weekly(world)
    assert [channel for channel, _ in boards] == ["#other", "#study"]
    board = boards[0][1]
    assert (board.kind, board.title, board.period_start) == (
        "weekly",
        "Week of 2026-01-12: final standings",
        date(2026, 1, 12),
    )
    assert [(r.display_name, r.points, r.platform_user_id) for r in board.rows] == [
        ("Ana", 10, "u-ana"),
        ("Bob", 0, "u-bob"),
    ]
    assert boards[1][1] == board
    assert await world.service.post_weekly_boards() == 0
    await world.advance(timedelta(days=1))
    assert len(weekly(world)) == 2


async def test_a_quiet_week_posts_no_board(world: World) -> None:
    """A week without answers gets no empty board."""
    await drills_in(world, PLACE)
    await answer_a_drill(world, ANA)
    await world.timer.advance_to(MONDAY_NINE + timedelta(days=7, hours=1))
    assert len(weekly(world)) == 1  # the week of 12 Jan only


async def test_the_week_and_board_follow_the_workspace_zone(world: World) -> None:
    """In Berlin the board comes at 08:00 UTC and a Sunday 23:30 local answer still counts."""
    await drills_in(world, PLACE, zone="Europe/Berlin")
    world.clock.set(datetime(2026, 1, 18, 22, 30, tzinfo=UTC))  # Sunday 23:30 in Berlin
    await answer_a_drill(world, ANA)
    world.clock.set(datetime(2026, 1, 18, 23, 30, tzinfo=UTC))  # Monday 00:30 in Berlin
    await answer_a_drill(world, BOB)
    await world.timer.advance_to(datetime(2026, 1, 19, 8, tzinfo=UTC))
    [(_, board)] = weekly(world)
    assert [r.display_name for r in board.rows] == ["Ana"]


async def test_a_board_missed_while_down_is_posted_after_a_restart_once(world: World) -> None:
    """Down over Monday: the next start posts last week's board; a second start does not."""
    await drills_in(world, PLACE)
    await answer_a_drill(world, ANA)
    tuesday = datetime(2026, 1, 20, 12, tzinfo=UTC)
    first = world.restart(at=tuesday)
    await first.service.catch_up()
    await first.deliver()
    [(channel, board)] = weekly(first)
    assert channel == "#study" and [r.points for r in board.rows] == [10]
    second = world.restart(at=tuesday + timedelta(hours=1))
    await second.service.catch_up()
    await second.deliver()
    assert weekly(second) == []


async def test_a_board_turned_off_is_not_posted(world: World) -> None:
    """With the weekly board off nothing is posted when the week ends, nor on restart."""
    await drills_in(world, PLACE)
    await answer_a_drill(world, ANA)
    await world.service.set_weekly_board(PLACE, MOD, None)
    await world.timer.advance_to(MONDAY_NINE + timedelta(hours=1))
    restarted = world.restart()
    await restarted.service.catch_up()
    await restarted.deliver()
    assert weekly(world) == weekly(restarted) == []


async def test_a_friday_board_covers_the_last_full_week(world: World) -> None:
    """A board on Friday 17:00 shows the Monday-to-Sunday week that ended before it."""
    await drills_in(world, PLACE)
    await world.service.set_weekly_board(PLACE, MOD, 4, time(17, 0))
    await answer_a_drill(world, ANA)  # Thursday 15 Jan
    await world.timer.advance_to(datetime(2026, 1, 23, 17, tzinfo=UTC))
    [(_, board)] = weekly(world)
    assert board.period_start == date(2026, 1, 12)
    assert board.title == "Week of 2026-01-12: final standings"


async def test_the_monday_drill_and_the_board_at_the_same_time_both_come(world: World) -> None:
    """A 09:00 drill on Monday is posted even though the board is due at the same instant."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "UTC"))
    await answer_a_drill(world, ANA)
    await world.timer.advance_to(MONDAY_NINE + timedelta(minutes=1))
    closes = [v.closes_at for v in world.questions("drill")]
    assert MONDAY_NINE + timedelta(hours=8) in closes
    assert len(weekly(world)) == 1
    # last week's board comes before Monday's question
    kinds = [type(v).__name__ for _, v in world.outbox.posts]
    assert kinds[-2:] == ["BoardView", "QuestionView"]


async def test_the_weekly_board_shows_the_top_ten_and_counts_what_it_queued(
    world: World,
) -> None:
    """Eleven scorers: the board lists ten; one pass queues one board per drill channel."""
    await drills_in(world, PLACE, OTHER)
    for n in range(11):
        await answer_a_drill(world, Who("test", f"u-{n}", f"P{n:02}"))
    world.clock.set(MONDAY_NINE)
    assert await world.service.post_weekly_boards() == 2
    assert await world.service.post_weekly_boards() == 0
    await world.deliver()
    boards = weekly(world)
    assert len(boards) == 2 and all(len(board.rows) == 10 for _, board in boards)


async def test_a_board_turned_off_first_thing_is_simply_off(world: World) -> None:
    """A new workspace can switch its board off before anything else happened."""
    off = await world.service.set_weekly_board(PLACE, MOD, None)
    assert (off.board_day, off.board_time) == (None, "09:00")


async def test_the_board_follows_a_zone_changed_by_the_first_drill(world: World) -> None:
    """A workspace created by a quiz (UTC) whose first drill is in Berlin gets its board at
    09:00 Berlin, 08:00 UTC."""
    await world.service.start_quiz(PLACE, ANA, count=1)
    await drills_in(world, PLACE, zone="Europe/Berlin")
    await answer_a_drill(world, ANA)
    await world.timer.advance_to(datetime(2026, 1, 19, 8, 1, tzinfo=UTC))
    assert len(weekly(world)) == 1


async def test_a_weekly_board_day_out_of_range_is_refused() -> None:
    """Day 7 is not a weekday: refused with the reason, and the board keeps its setting."""
    from bot.core.errors import BadInput
    from tests.core.conftest import PLACE, make_world

    world = make_world()
    await world.service.sync_questions()
    boss = Who("test", "u-boss", "Boss", can_manage=True)
    with pytest.raises(BadInput, match="Monday \\(0\\) to Sunday \\(6\\)"):
        await world.service.set_weekly_board(PLACE, boss, 7)
    assert (await world.service.tenant_settings(PLACE)).board_day == 0
