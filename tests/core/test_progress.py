"""Leaderboards, stats, topics, and a learner's own data."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.errors import BadInput
from bot.core.ports import Place, Who
from bot.core.schedules import DrillSpec
from bot.core.srs import Grade, new_card
from bot.core.views import ConceptProgress, StatsView
from tests.core.conftest import ANA, BOB, MOD, PLACE, World, wrong


async def drill_answered(world: World, right: dict[Who, bool], place: Place = PLACE) -> None:
    """A drill posted now, answered by each learner right or wrong, then revealed."""
    await world.service.drill_now(place, MOD)
    await world.deliver()
    drill = world.questions("drill")[-1]
    question = world.question(drill)
    for who, ok in right.items():
        choice = question.answer if ok else wrong(question)
        await world.service.record_answer(place, who, drill.post_id or 0, choice)
    await world.advance(timedelta(hours=9))


async def test_weekly_board_resets_on_monday_but_all_time_keeps_counting(world: World) -> None:
    """Points from last week leave the weekly board on Monday and stay on the all-time one."""
    await drill_answered(world, {ANA: True, BOB: False})  # Thursday 15 Jan
    week = await world.service.leaderboard(PLACE, "week")
    assert [(r.display_name, r.points, r.correct, r.answered) for r in week.rows] == [
        ("Ana", 10, 1, 1),
        ("Bob", 0, 0, 1),
    ]
    assert (week.kind, week.title, week.period_start) == (
        "week",
        "Leaderboard: week of 2026-01-12 (UTC)",
        date(2026, 1, 12),
    )
    await world.timer.advance_to(datetime(2026, 1, 19, 12, tzinfo=UTC))  # Monday
    await drill_answered(world, {BOB: True})
    week = await world.service.leaderboard(PLACE, "week")
    assert [(r.display_name, r.points) for r in week.rows] == [("Bob", 10)]
    total = await world.service.leaderboard(PLACE)
    assert total.kind == "week"
    total = await world.service.leaderboard(PLACE, "all")
    assert [(r.display_name, r.points) for r in total.rows] == [("Ana", 10), ("Bob", 10)]
    assert (total.kind, total.title, total.period_start) == ("all", "Leaderboard: all time", None)
    with pytest.raises(BadInput) as raised:
        await world.service.leaderboard(PLACE, "month")
    assert str(raised.value) == "The period is 'week' or 'all'."


async def test_a_board_shows_ten_rows_of_this_workspace_only(world: World) -> None:
    """Eleven scorers show the best ten; another workspace's points are not counted."""
    people = {Who("test", f"u-{n}", f"P{n:02}"): True for n in range(11)}
    await drill_answered(world, people)
    await drill_answered(world, {ANA: True}, place=Place("test", "guild-2", "#x"))
    board = await world.service.leaderboard(PLACE, "all")
    assert len(board.rows) == 10 and "Ana" not in [r.display_name for r in board.rows]


async def test_weeks_follow_the_zone_of_the_channel_drill(world: World) -> None:
    """With a Tokyo drill, a Sunday 20:00 UTC answer already counts for Tokyo's Monday."""
    await world.service.set_drill(PLACE, MOD, DrillSpec(time(9, 0), "Asia/Tokyo"))
    await world.timer.advance_to(datetime(2026, 1, 18, 20, tzinfo=UTC))
    await drill_answered(world, {ANA: True})
    week = await world.service.leaderboard(PLACE, "week")
    assert week.period_start == date(2026, 1, 19)
    assert [r.points for r in week.rows] == [10]


async def test_stats_show_accuracy_streak_due_and_mastery(world: World) -> None:
    """Two days of answers: 2 answered, 1 right, a 2-day streak, a card due, per-concept rows."""
    await drill_answered(world, {ANA: True})
    await world.advance(timedelta(hours=20))
    await drill_answered(world, {ANA: False})
    stats = await world.service.stats(PLACE, ANA)
    assert (stats.name, stats.answered, stats.correct, stats.streak) == ("Ana", 2, 1, 2)
    assert stats.accuracy == pytest.approx(0.5)
    assert (stats.points_week, stats.points_all, stats.timezone) == (10, 10, "UTC")
    assert stats.due_now >= 1 and stats.due_week >= stats.due_now
    assert [c.concept for c in stats.concepts] == ["alpha", "beta", "gamma"]
    assert sum(c.answered for c in stats.concepts) == 2
    assert sum(c.correct for c in stats.concepts) == 1
    assert sum(c.seen for c in stats.concepts) == 2
    assert all(c.total == 6 and c.mastered == 0 for c in stats.concepts)
    assert stats.concepts[0].title == "Concept alpha"


async def test_someone_elses_stats_and_an_unknown_learner(world: World) -> None:
    """Stats for a member read their data; a learner never seen has zeros and no accuracy."""
    await drill_answered(world, {BOB: True})
    bob = await world.service.stats(PLACE, ANA, member=BOB)
    assert (bob.name, bob.answered, bob.points_all) == ("Bob", 1, 10)
    nobody = await world.service.stats(PLACE, Who("test", "u-new", "Newt"))
    assert (nobody.name, nobody.answered, nobody.accuracy, nobody.streak) == ("Newt", 0, 0.0, 0)
    assert [count for _, count in nobody.forecast] == [0] * 7


async def test_points_count_per_workspace_and_week(world: World) -> None:
    """Stats points are this workspace's: all time, and this week's since Monday."""
    await drill_answered(world, {ANA: True})
    await drill_answered(world, {ANA: True}, place=Place("test", "guild-2", "#x"))
    await world.timer.advance_to(datetime(2026, 1, 19, 12, tzinfo=UTC))
    await drill_answered(world, {ANA: True})
    stats = await world.service.stats(PLACE, ANA)
    assert (stats.answered, stats.points_week, stats.points_all) == (3, 10, 20)


async def test_the_forecast_covers_seven_local_days_with_overdue_today(world: World) -> None:
    """Overdue cards count today; cards due later fall on their local day; 7 days shown."""
    await drill_answered(world, {ANA: False})  # due again within minutes: overdue later
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        [stored] = await u.cards_of(learner.id)
        base = stored.card
        for n, days in enumerate((2, 2, 6, 7)):
            due = datetime(2026, 1, 15, 23, 30, tzinfo=UTC) + timedelta(days=days)
            await u.save_card(learner.id, f"beta-{n}", dataclasses.replace(base, due=due))
    await world.service.set_timezone(PLACE, MOD, "Asia/Tokyo")  # 23:30 UTC is next day there
    stats = await world.service.stats(PLACE, ANA)
    today = date(2026, 1, 16)  # 16:00 UTC on 15 Jan is the 16th in Tokyo
    assert stats.timezone == "Asia/Tokyo"
    assert stats.forecast == (
        (today, 1),
        (today + timedelta(days=1), 0),
        (today + timedelta(days=2), 2),
        (today + timedelta(days=3), 0),
        (today + timedelta(days=4), 0),
        (today + timedelta(days=5), 0),
        (today + timedelta(days=6), 1),
    )
    assert (stats.due_now, stats.due_week) == (1, 4)


async def test_read_only_use_cases_create_no_rows(world: World) -> None:
    """Boards, stats, topics, settings, status and export write nothing, nor lock for it."""
    stranger = Who("test", "u-x", "X")
    place = Place("test", "guild-7", "#new")
    before = copy.deepcopy(world.repo._tables)
    writers = world.repo.write_units
    await world.service.leaderboard(place, "week")
    await world.service.leaderboard(place, "all")
    stats = await world.service.stats(place, stranger, member=BOB)
    assert stats.name == "Bob"
    world.service.topics()
    await world.service.tenant_settings(place)
    await world.service.drill_status(place)
    await world.service.export_learner(stranger)
    assert world.repo.write_units == writers  # no write lock taken
    assert await world.service.forget_learner(stranger) is False
    assert world.repo._tables == before


async def test_topics_list_concepts_with_counts(world: World) -> None:
    """/topics names every concept with its number of questions."""
    assert world.service.topics().topics == (
        ("alpha", "Concept alpha", 6),
        ("beta", "Concept beta", 6),
        ("gamma", "Concept gamma", 6),
    )


async def test_the_export_holds_everything_stored_about_me(world: World) -> None:
    """Answers (with workspace and post), cards, review sessions, schedules and rounds."""
    ana_manages = Who("test", "u-ana", "Ana", can_manage=True)
    await world.service.set_drill(PLACE, ana_manages, DrillSpec(time(23, 0), "Europe/Berlin"))
    await drill_answered(world, {ANA: False, BOB: True})  # post 1, revealed at 16:00
    elsewhere = Place("test", "guild-2", "#x")
    await world.service.start_quiz(elsewhere, ANA, concept="beta", count=1)
    card = await world.service.start_review(PLACE, ANA)
    assert card is not None
    await world.service.answer_review(PLACE, ANA, card.session_id, 3)
    exported = (await world.service.export_learner(ANA)).data
    assert json.loads(json.dumps(exported)) == exported
    assert exported["learner"] == {"platform": "test", "user_id": "u-ana", "display_name": "Ana"}
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        first, _ = await u.answers_of(learner.id)
        [stored_card] = await u.cards_of(learner.id)  # the review showed the due card again
        quiz = await u.get_round(1)
    assert quiz is not None
    drill_answer, review_answer = exported["answers"]
    assert drill_answer == {
        "question": first.question_id,
        "workspace": "test:guild-1",
        "channel": "#study",
        "post": 1,
        "choice": "abcd"[first.choice],
        "correct": False,
        "points": 0,
        "latency_ms": 0,
        "rating": int(Grade.AGAIN),
        "answered_at": "2026-01-15T07:00:00+00:00",
    }
    assert (review_answer["choice"], review_answer["post"], review_answer["answered_at"]) == (
        "d",
        None,
        "2026-01-15T16:00:00+00:00",
    )
    stored = stored_card.card
    assert stored.reps == 2 and stored.last_review is not None
    assert exported["cards"] == [
        {
            "question": first.question_id,
            "state": stored.state,
            "stability": stored.stability,
            "difficulty": stored.difficulty,
            "due": stored.due.isoformat(),
            "last_review": stored.last_review.isoformat(),
            "reps": 2,
            "lapses": stored.lapses,
        }
    ]
    [session] = exported["review_sessions"]
    assert session["workspace"] == "test:guild-1"
    assert session["started_at"] == "2026-01-15T16:00:00+00:00"
    assert session["cards"][0] == {
        "question": first.question_id,
        "shown_at": "2026-01-15T16:00:00+00:00",
        "choice": "d",
    }
    assert [c["choice"] for c in session["cards"]] == ["d", None]
    assert exported["schedules_created"] == [
        {
            "workspace": "test:guild-1",
            "channel": "#study",
            "time": "23:00",
            "timezone": "Europe/Berlin",
            "enabled": True,
        }
    ]
    assert exported["quiz_rounds"] == [
        {
            "workspace": "test:guild-2",
            "channel": "#x",
            "started_by_you": True,
            "questions": list(quiz.question_ids),
            "started_at": "2026-01-15T16:00:00+00:00",
        }
    ]


async def test_the_export_names_rounds_i_only_played(world: World) -> None:
    """A round Bob started and Ana answered in is hers to see, not marked as started by her."""
    await world.service.start_quiz(PLACE, BOB, count=1)
    await world.deliver()
    quiz = world.questions("quiz")[0]
    await world.service.record_answer(PLACE, ANA, quiz.post_id or 0, 0)
    [played] = (await world.service.export_learner(ANA)).data["quiz_rounds"]
    assert played["started_by_you"] is False and played["questions"] == [quiz.question_id]


async def test_the_export_of_a_stranger_is_empty(world: World) -> None:
    """Someone studybot never saw gets an empty export."""
    assert (await world.service.export_learner(ANA)).data == {
        "learner": None,
        "answers": [],
        "cards": [],
        "review_sessions": [],
        "schedules_created": [],
        "quiz_rounds": [],
    }


async def test_forget_removes_every_trace_and_only_mine(world: World) -> None:
    """Answers, cards, review sessions, round seats and authorship go; Bob's data stays."""
    ana_manages = Who("test", "u-ana", "Ana", can_manage=True)
    await world.service.set_drill(PLACE, ana_manages, DrillSpec(time(23, 0), "UTC"))
    await world.service.start_quiz(PLACE, ANA, count=1, roster=(ANA, BOB))
    await world.deliver()
    quiz = world.questions("quiz")[0]
    await world.service.record_answer(PLACE, ANA, quiz.post_id or 0, 0)
    await world.service.record_answer(PLACE, BOB, quiz.post_id or 0, 0)
    await world.deliver()
    await drill_answered(world, {ANA: True, BOB: True})
    session = await world.service.start_review(PLACE, ANA)
    assert session is not None
    async with world.repo.unit() as u:
        ana = await u.find_learner(ANA.platform, ANA.user_id)
    assert ana is not None
    assert await world.service.forget_learner(ANA) is True
    async with world.repo.unit() as u:
        assert await u.find_learner(ANA.platform, ANA.user_id) is None
        assert await u.get_learner(ana.id) is None
        assert await u.answers_of(ana.id) == [] and await u.cards_of(ana.id) == []
        assert await u.get_review(session.session_id) is None
        quiz_round = await u.get_round(1)
        assert quiz_round is not None and ana.id not in quiz_round.roster
        assert ana.id != quiz_round.started_by
        schedule = await u.get_schedule(1)
        assert schedule is not None and schedule.created_by is None and schedule.enabled
    assert (await world.service.export_learner(ANA)).data["answers"] == []
    board = await world.service.leaderboard(PLACE, "all")
    assert [(r.display_name, r.answered) for r in board.rows] == [("Bob", 2)]
    assert await world.service.forget_learner(ANA) is False
    assert (await world.service.stats(PLACE, ANA)).answered == 0


def test_stats_accuracy_of_nothing_is_zero() -> None:
    """A learner with no answers has accuracy 0, not a division error."""
    view = StatsView("X", 0, 0, 0, 0, 0, 0, 0, (ConceptProgress("a", "A", 1, 0, 0, 0, 0),))
    assert view.accuracy == 0.0
    assert StatsView("X", 4, 3, 0, 0, 0, 0, 0, ()).accuracy == 0.75


async def test_a_place_never_seen_shows_no_ones_points(world: World) -> None:
    """A workspace without answers has an empty board and no points, whatever others scored."""
    await drill_answered(world, {ANA: True})
    new = Place("test", "guild-7", "#new")
    assert (await world.service.leaderboard(new, "week")).rows == ()
    assert (await world.service.leaderboard(new, "all")).rows == ()
    stats = await world.service.stats(new, ANA)
    assert (stats.answered, stats.points_all, stats.points_week) == (1, 0, 0)
    assert (await world.service.leaderboard(Place("other", "guild-1", "#study"))).rows == ()


async def test_mastered_cards_count_per_concept(world: World) -> None:
    """A card in long-term review with three weeks of stability counts as mastered."""
    await drill_answered(world, {ANA: True})
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        [stored] = await u.cards_of(learner.id)
        strong = dataclasses.replace(stored.card, state=2, stability=30.0)
        await u.save_card(learner.id, "gamma-1", strong)
        await u.save_card(learner.id, "gamma-2", dataclasses.replace(strong, stability=3.0))
    stats = await world.service.stats(PLACE, ANA)
    gamma = [c for c in stats.concepts if c.concept == "gamma"][0]
    assert gamma.mastered == 1 and gamma.seen >= 2


async def test_the_forecast_ends_at_local_midnight_after_seven_days(world: World) -> None:
    """A card due 30 seconds after the seventh local midnight is not in the forecast."""
    await drill_answered(world, {ANA: True})
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        [stored] = await u.cards_of(learner.id)
        edge = datetime(2026, 1, 22, 0, 0, 30, tzinfo=UTC)  # today is 15 Jan (UTC)
        await u.save_card(
            learner.id, stored.question_id, dataclasses.replace(stored.card, due=edge)
        )
        inside = dataclasses.replace(stored.card, due=edge - timedelta(hours=1))
        await u.save_card(learner.id, "beta-5", inside)
    stats = await world.service.stats(PLACE, ANA)
    assert stats.forecast[-1] == (date(2026, 1, 21), 1)
    assert (stats.due_now, stats.due_week) == (0, 1)


async def test_a_card_never_reviewed_exports_without_a_review_time(world: World) -> None:
    """The export writes null for a card that has no last review rather than failing."""
    await drill_answered(world, {ANA: True})
    async with world.repo.unit() as u:
        learner = await u.find_learner(ANA.platform, ANA.user_id)
        assert learner is not None
        await u.save_card(learner.id, "beta-0", new_card(world.clock.now()))
    cards = (await world.service.export_learner(ANA)).data["cards"]
    fresh = [c for c in cards if c["question"] == "beta-0"][0]
    assert (fresh["last_review"], fresh["reps"], fresh["lapses"]) == (None, 0, 0)


async def test_the_export_names_the_workspace_of_a_lone_answer(world: World) -> None:
    """With nothing but one drill answer, the answer still names its workspace."""
    await drill_answered(world, {ANA: True})
    exported = (await world.service.export_learner(ANA)).data
    assert [a["workspace"] for a in exported["answers"]] == ["test:guild-1"]
    assert exported["review_sessions"] == exported["quiz_rounds"] == []


async def test_stats_use_the_stored_name_and_count_boundaries(world: World) -> None:
    """A member's stats show their own name; an answer at Monday 00:00 is this week's;
    a card due this very second is due now."""
    world.clock.set(datetime(2026, 1, 19, 0, 0, tzinfo=UTC))
    await world.service.drill_now(PLACE, MOD)
    await world.deliver()
    drill = world.questions("drill")[-1]
    await world.service.record_answer(PLACE, BOB, drill.post_id or 0, world.question(drill).answer)
    stats = await world.service.stats(PLACE, ANA, member=Who("test", "u-bob", "Robert"))
    assert (stats.name, stats.points_week) == ("Bob", 10)
    async with world.repo.unit() as u:
        bob = await u.find_learner(BOB.platform, BOB.user_id)
        assert bob is not None
        [stored] = await u.cards_of(bob.id)
        await u.save_card(bob.id, "beta-1", dataclasses.replace(stored.card, due=world.clock.now()))
    assert (await world.service.stats(PLACE, BOB)).due_now == 1
