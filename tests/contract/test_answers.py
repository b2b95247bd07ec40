"""The answer log: one answer per post, read-backs, leaderboards and quiz-round scores."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.errors import AlreadyAnswered
from bot.core.ports import Repository
from bot.core.records import AnswerRecord, BoardRow, QuestionRow

from .builders import T0, World, answer, drill, make_post


async def test_a_learner_answers_a_post_once(repo: Repository, world: World) -> None:
    """A second answer to the same post raises AlreadyAnswered and the first is kept."""
    post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        first_id = await unit.add_answer(answer(world, world.alice, post_id=post.id, choice=2))
    async with repo.unit() as unit:
        with pytest.raises(AlreadyAnswered):
            await unit.add_answer(answer(world, world.alice, post_id=post.id, choice=3))
        # The unit survives the conflict and can still write.
        await unit.add_answer(answer(world, world.bob, post_id=post.id, choice=1))
    async with repo.unit() as unit:
        stored = await unit.answers_for_post(post.id)
        answered = await unit.has_answered(post.id, world.alice.id)
        carol_answered = await unit.has_answered(post.id, world.carol.id)
    assert [(a.id, a.learner_name, a.learner_user_id, a.choice) for a in stored] == [
        (first_id, "Alice", "u-alice", 2),
        (stored[1].id, "Bob", "u-bob", 1),
    ]
    assert answered and not carol_answered


async def test_answers_read_back_whole(repo: Repository, world: World) -> None:
    """An answer reads back with every field it was stored with, plus its id and learner."""
    post = await make_post(repo, drill(world))
    stored = answer(world, world.bob, post_id=post.id, question_id="q1", correct=False, points=0)
    async with repo.unit() as unit:
        answer_id = await unit.add_answer(stored)
    async with repo.unit() as unit:
        [for_post] = await unit.answers_for_post(post.id)
        [of_bob] = await unit.answers_of(world.bob.id)
    expected = replace(stored, id=answer_id, learner_name="Bob", learner_user_id="u-bob")
    assert for_post == of_bob == expected


async def test_stored_answers_take_names_from_the_learner(repo: Repository, world: World) -> None:
    """Name and user id given with an answer are not stored: reads join the learner's own."""
    given = replace(answer(world, world.carol), learner_name="Imposter", learner_user_id="u-x")
    async with repo.unit() as unit:
        await unit.add_answer(given)
        await unit.ensure_learner("discord", "u-carol", "Carol Renamed")
    async with repo.unit() as unit:
        [stored] = await unit.answers_of(world.carol.id)
    assert (stored.learner_name, stored.learner_user_id) == ("Carol Renamed", "u-carol")


async def test_personal_review_answers_are_unlimited(repo: Repository, world: World) -> None:
    """Answers without a post (reviews) may repeat any number of times."""
    async with repo.unit() as unit:
        for minute in range(3):
            await unit.add_answer(answer(world, world.alice, at=T0 + timedelta(minutes=minute)))
    async with repo.unit() as unit:
        stored = await unit.answers_of(world.alice.id)
    assert [a.answered_at for a in stored] == [T0 + timedelta(minutes=m) for m in range(3)]
    assert all(a.post_id is None for a in stored)


async def test_answers_read_back_oldest_first(repo: Repository, world: World) -> None:
    """answers_for_post and answer_times list oldest first; answer_times honours since."""
    post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.bob, post_id=post.id, at=T0 + timedelta(days=5)))
        await unit.add_answer(
            answer(world, world.alice, post_id=post.id, at=T0 + timedelta(days=1))
        )
        await unit.add_answer(answer(world, world.alice, at=T0 - timedelta(days=3)))
        await unit.add_answer(answer(world, world.alice, at=T0 + timedelta(days=2)))
    async with repo.unit() as unit:
        for_post = await unit.answers_for_post(post.id)
        times = await unit.answer_times(world.alice.id, since=T0)
    assert [a.learner_name for a in for_post] == ["Alice", "Bob"]
    assert times == [T0 + timedelta(days=1), T0 + timedelta(days=2)]


async def test_recent_channel_learners_filters_by_channel_and_time(
    repo: Repository, world: World
) -> None:
    """Only learners who answered in this channel since the cut-off, latest first."""
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice, at=T0 + timedelta(minutes=1)))
        await unit.add_answer(answer(world, world.bob, at=T0 + timedelta(minutes=5)))
        await unit.add_answer(answer(world, world.carol, at=T0 - timedelta(days=1)))
        await unit.add_answer(answer(world, world.carol, channel="random", at=T0))
    async with repo.unit() as unit:
        recent = await unit.recent_channel_learners(world.tenant.id, "general", since=T0)
    assert recent == [world.bob.id, world.alice.id]


async def test_recent_channel_learners_seen_together_are_by_id(
    repo: Repository, world: World
) -> None:
    """Learners whose last answers share an instant are listed by learner id."""
    async with repo.unit() as unit:
        # Written in id order, so "newest answer first" alone would list Carol first.
        await unit.add_answer(answer(world, world.alice, at=T0 - timedelta(minutes=1)))
        await unit.add_answer(answer(world, world.alice, at=T0))
        await unit.add_answer(answer(world, world.bob, at=T0))
        await unit.add_answer(answer(world, world.carol, at=T0))
    async with repo.unit() as unit:
        recent = await unit.recent_channel_learners(world.tenant.id, "general", since=T0)
    assert recent == [world.alice.id, world.bob.id, world.carol.id]


async def test_leaderboard_orders_and_windows(repo: Repository, world: World) -> None:
    """Best first by points, then correct, then name; counts only [since, until)."""
    since, until = T0, T0 + timedelta(days=7)
    async with repo.unit() as unit:
        other = await unit.ensure_tenant("discord", "guild-2", "UTC")
        # Alice: 20 points, 2 correct. Bob: 20 points, 1 correct. Carol: 20, 1 correct.
        await unit.add_answer(answer(world, world.alice, points=10, at=since))
        await unit.add_answer(answer(world, world.alice, points=10, at=since + timedelta(days=1)))
        await unit.add_answer(answer(world, world.bob, points=20, at=since + timedelta(days=2)))
        await unit.add_answer(answer(world, world.bob, correct=False, points=0, at=since))
        await unit.add_answer(answer(world, world.carol, points=20, at=since))
        # Outside the window or the tenant: ignored.
        await unit.add_answer(answer(world, world.carol, points=99, at=until))
        await unit.add_answer(answer(world, world.carol, points=99, at=since - timedelta(days=1)))
        await unit.add_answer(replace(answer(world, world.carol, points=99), tenant_id=other.id))
    async with repo.unit(readonly=True) as unit:
        week = await unit.leaderboard(world.tenant.id, since, until, limit=10)
        top = await unit.leaderboard(world.tenant.id, since, until, limit=1)
        all_time = await unit.leaderboard(world.tenant.id, None, None, limit=10)
        from_since = await unit.leaderboard(world.tenant.id, since, None, limit=10)
        before_until = await unit.leaderboard(world.tenant.id, None, until, limit=10)
    assert week == [
        BoardRow(world.alice.id, "Alice", 20, 2, 2, platform_user_id="u-alice"),
        BoardRow(world.bob.id, "Bob", 20, 1, 2, platform_user_id="u-bob"),
        BoardRow(world.carol.id, "Carol", 20, 1, 1, platform_user_id="u-carol"),
    ]
    assert [r.learner_id for r in top] == [world.alice.id]
    assert [(r.display_name, r.points) for r in all_time] == [
        ("Carol", 218),
        ("Alice", 20),
        ("Bob", 20),
    ]
    assert [(r.display_name, r.points) for r in from_since] == [
        ("Carol", 119),
        ("Alice", 20),
        ("Bob", 20),
    ]
    assert [(r.display_name, r.points) for r in before_until] == [
        ("Carol", 119),
        ("Alice", 20),
        ("Bob", 20),
    ]


async def test_leaderboard_ties_break_by_code_point_name_then_id(repo: Repository) -> None:
    """Full ties order by name in code point order (capitals first), then by learner id."""
    async with repo.unit() as unit:
        tenant = await unit.ensure_tenant("slack", "T1", "UTC")
        await unit.sync_questions([QuestionRow("q", "c", "h")])
        names = ["bea", "Zed", "Ábel", "ann", "Zed"]
        people = [await unit.ensure_learner("slack", f"U{i}", n) for i, n in enumerate(names)]
        for person in people:
            await unit.add_answer(
                AnswerRecord(person.id, "q", tenant.id, "c", None, 0, True, 900, 3, 5, T0)
            )
    async with repo.unit(readonly=True) as unit:
        board = await unit.leaderboard(tenant.id, None, None, limit=10)
    assert [(r.display_name, r.learner_id) for r in board] == [
        ("Zed", people[1].id),
        ("Zed", people[4].id),
        ("ann", people[3].id),
        ("bea", people[0].id),
        ("Ábel", people[2].id),
    ]


async def test_round_scores_count_only_that_rounds_posts(repo: Repository, world: World) -> None:
    """round_scores ranks learners by their answers to the round's posts alone."""
    async with repo.unit() as unit:
        quiz = await unit.create_round(world.tenant.id, "general", world.alice.id, ["q1"], [], T0)
        other = await unit.create_round(world.tenant.id, "random", world.bob.id, ["q1"], [], T0)
    first = await make_post(repo, drill(world, kind="quiz", round_id=quiz.id, position=0))
    second = await make_post(
        repo, drill(world, kind="quiz", question_id="q2", round_id=quiz.id, position=1)
    )
    elsewhere = await make_post(repo, drill(world, kind="quiz", round_id=other.id, position=0))
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.bob, post_id=first.id, points=15))
        await unit.add_answer(answer(world, world.bob, post_id=second.id, points=15))
        await unit.add_answer(answer(world, world.alice, post_id=first.id, points=10))
        await unit.add_answer(
            answer(world, world.alice, post_id=second.id, correct=False, points=0)
        )
        await unit.add_answer(answer(world, world.alice, post_id=elsewhere.id, points=50))
        await unit.add_answer(answer(world, world.carol, points=50))
    async with repo.unit() as unit:
        scores = await unit.round_scores(quiz.id)
    assert scores == [
        BoardRow(world.bob.id, "Bob", 30, 2, 2, platform_user_id="u-bob"),
        BoardRow(world.alice.id, "Alice", 10, 1, 2, platform_user_id="u-alice"),
    ]


async def test_round_answerers_are_those_who_answered_an_earlier_question(
    repo: Repository, world: World
) -> None:
    """round_answerers counts answers to this round's posts before the given position only."""
    async with repo.unit() as unit:
        quiz = await unit.create_round(
            world.tenant.id, "general", world.alice.id, ["q1", "q2", "q3"], [], T0
        )
        other = await unit.create_round(world.tenant.id, "random", world.bob.id, ["q1"], [], T0)
    posts = [
        await make_post(repo, drill(world, kind="quiz", round_id=quiz.id, position=position))
        for position in range(3)
    ]
    elsewhere = await make_post(repo, drill(world, kind="quiz", round_id=other.id, position=0))
    drill_post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        await unit.add_answer(answer(world, world.alice, post_id=posts[0].id))
        await unit.add_answer(answer(world, world.bob, post_id=posts[1].id))
        await unit.add_answer(answer(world, world.carol, post_id=posts[2].id))
        await unit.add_answer(answer(world, world.carol, post_id=elsewhere.id))
        await unit.add_answer(answer(world, world.carol, post_id=drill_post.id))
    async with repo.unit(readonly=True) as unit:
        at = [await unit.round_answerers(quiz.id, position) for position in range(4)]
        missing = await unit.round_answerers(quiz.id + other.id + 10, 3)
    assert at == [
        set(),
        {world.alice.id},
        {world.alice.id, world.bob.id},
        {world.alice.id, world.bob.id, world.carol.id},
    ]
    assert missing == set()
