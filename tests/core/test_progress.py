"""Leaderboards, stats, topics, and a learner's own data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.schedules import DrillSpec
from tests.core.conftest import ANA, BOB, PLACE, World


async def drill_answered(world: World, right: dict) -> None:  # type: ignore[type-arg]
    drill = await world.service.drill_now(PLACE)
    question = world.bank.get(drill.question_id)
    assert question is not None
    for who, ok in right.items():
        await world.service.answer_in_channel(
            PLACE, who, question.answer if ok else (question.answer + 1) % 4
        )
    await world.timer.advance_to(world.clock.now() + timedelta(hours=9))


async def test_weekly_board_resets_on_monday_but_all_time_keeps_counting(world: World) -> None:
    """Points from last week leave the weekly board on Monday and stay on the all-time one."""
    await drill_answered(world, {ANA: True, BOB: False})  # Thursday 15 Jan
    week = await world.service.leaderboard(PLACE, "week")
    assert [(r.display_name, r.points) for r in week.rows] == [("Ana", 10), ("Bob", 0)]
    await world.timer.advance_to(datetime(2026, 1, 19, 12, tzinfo=UTC))  # Monday
    await drill_answered(world, {BOB: True})
    week = await world.service.leaderboard(PLACE, "week")
    assert [(r.display_name, r.points) for r in week.rows] == [("Bob", 10)]
    total = await world.service.leaderboard(PLACE, "all")
    assert [(r.display_name, r.points) for r in total.rows] == [("Ana", 10), ("Bob", 10)]
    with pytest.raises(BadInput):
        await world.service.leaderboard(PLACE, "month")


async def test_weeks_follow_the_zone_of_the_channel_drill(world: World) -> None:
    """With a Tokyo drill, a Sunday 20:00 UTC answer already counts for Tokyo's Monday."""
    await world.service.set_drill(PLACE, ANA, DrillSpec(time(9, 0), "Asia/Tokyo"))
    await world.timer.advance_to(datetime(2026, 1, 18, 20, tzinfo=UTC))
    await drill_answered(world, {ANA: True})
    week = await world.service.leaderboard(PLACE, "week")
    assert week.period_start is not None and week.period_start.isoformat() == "2026-01-19"
    assert [r.points for r in week.rows] == [10]


async def test_stats_show_accuracy_streak_due_and_mastery(world: World) -> None:
    """Two days of answers: 2 answered, 1 right, a 2-day streak, a card due, per-concept rows."""
    await drill_answered(world, {ANA: True})
    await world.timer.advance_to(world.clock.now() + timedelta(hours=20))
    await drill_answered(world, {ANA: False})
    stats = await world.service.stats(PLACE, ANA)
    assert (stats.answered, stats.correct, stats.streak) == (2, 1, 2)
    assert stats.accuracy == pytest.approx(0.5)
    assert stats.due_now >= 1 and stats.due_week >= stats.due_now
    assert {c.concept for c in stats.concepts} == {"alpha", "beta", "gamma"}
    assert sum(c.answered for c in stats.concepts) == 2


async def test_topics_list_concepts_with_counts(world: World) -> None:
    """/topics names every concept with its number of questions."""
    assert world.service.topics().topics == (
        ("alpha", "Concept alpha", 6),
        ("beta", "Concept beta", 6),
        ("gamma", "Concept gamma", 6),
    )


async def test_export_then_forget_removes_only_my_data(world: World) -> None:
    """Export is JSON with my answers and cards; forget deletes them and leaves Bob's."""
    await drill_answered(world, {ANA: True, BOB: True})
    exported = (await world.service.export_learner(ANA)).data
    json.dumps(exported)
    assert exported["learner"]["display_name"] == "Ana"
    assert len(exported["answers"]) == 1 and len(exported["cards"]) == 1
    assert await world.service.forget_learner(ANA) is True
    assert (await world.service.export_learner(ANA)).data["answers"] == []
    board = await world.service.leaderboard(PLACE, "all")
    assert [r.display_name for r in board.rows] == ["Bob"]
    assert await world.service.forget_learner(ANA) is False
