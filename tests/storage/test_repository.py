"""SqlRepository against real databases: each test runs on SQLite and on Postgres."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from bot.core.errors import AlreadyAnswered
from bot.core.ports import Repository
from bot.core.records import (
    AnswerRecord,
    Learner,
    NewPost,
    NewSchedule,
    Post,
    QuestionRow,
    SyncReport,
    Tenant,
)
from bot.core.srs import CardState
from bot.storage import SqlRepository, create_engine

from .backends import Backend

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
QUESTION_IDS = ("q1", "q2", "q3", "q4")


@dataclass(frozen=True)
class World:
    tenant: Tenant
    alice: Learner
    bob: Learner
    carol: Learner


@pytest.fixture
async def world(repo: Repository) -> World:
    async with repo.unit() as unit:
        await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in QUESTION_IDS])
        tenant = await unit.ensure_tenant("discord", "guild-1", "Europe/Berlin")
        alice = await unit.ensure_learner("discord", "u-alice", "Alice")
        bob = await unit.ensure_learner("discord", "u-bob", "Bob")
        carol = await unit.ensure_learner("discord", "u-carol", "Carol")
    return World(tenant, alice, bob, carol)


def card(due: datetime, *, reps: int = 1, last_review: datetime | None = None) -> CardState:
    return CardState(
        state=2,
        step=None,
        stability=3.5,
        difficulty=5.25,
        due=due,
        last_review=last_review,
        reps=reps,
        lapses=0,
    )


def answer(
    world: World,
    learner: Learner,
    *,
    post_id: int | None = None,
    question_id: str = "q1",
    correct: bool = True,
    points: int = 10,
    at: datetime = T0,
    channel: str = "general",
    choice: int = 0,
) -> AnswerRecord:
    return AnswerRecord(
        learner_id=learner.id,
        question_id=question_id,
        tenant_id=world.tenant.id,
        channel=channel,
        post_id=post_id,
        choice=choice,
        correct=correct,
        latency_ms=1500,
        rating=3 if correct else 1,
        points=points,
        answered_at=at,
    )


def drill(
    world: World,
    *,
    question_id: str = "q1",
    opens_at: datetime = T0,
    channel: str = "general",
    schedule_id: int | None = None,
    local_date: date | None = None,
    kind: str = "drill",
    round_id: int | None = None,
    position: int | None = None,
) -> NewPost:
    return NewPost(
        kind=kind,
        tenant_id=world.tenant.id,
        channel=channel,
        question_id=question_id,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(hours=1),
        schedule_id=schedule_id,
        local_date=local_date,
        round_id=round_id,
        position=position,
    )


def schedule(world: World, **changes: object) -> NewSchedule:
    base = NewSchedule(
        tenant_id=world.tenant.id,
        channel="general",
        local_time=time(9, 30),
        timezone="Europe/Berlin",
        weekdays=(0, 2, 4),
        window_minutes=60,
        concept=None,
        created_by=world.alice.id,
        updated_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def make_post(repo: Repository, new: NewPost) -> Post:
    async with repo.unit() as unit:
        post = await unit.create_post(new)
    assert post is not None
    return post


# tenants and learners


async def test_ensure_tenant_returns_the_same_tenant_and_keeps_its_zone(repo: Repository) -> None:
    """A second ensure finds the first tenant; only set_tenant_timezone changes the zone."""
    async with repo.unit() as unit:
        first = await unit.ensure_tenant("slack", "T1", "UTC")
        again = await unit.ensure_tenant("slack", "T1", "Asia/Tokyo")
        other = await unit.ensure_tenant("discord", "T1", "UTC")
        await unit.set_tenant_timezone(first.id, "America/New_York")
    async with repo.unit() as unit:
        stored = await unit.get_tenant(first.id)
        missing = await unit.get_tenant(first.id + other.id + 100)
    assert again == first
    assert other.id != first.id
    assert stored == Tenant(first.id, "slack", "T1", "America/New_York")
    assert missing is None


async def test_ensure_learner_tracks_display_name_changes(repo: Repository) -> None:
    """Re-ensuring a learner keeps their id and stores their new display name."""
    async with repo.unit() as unit:
        first = await unit.ensure_learner("discord", "42", "Old Name")
    async with repo.unit() as unit:
        renamed = await unit.ensure_learner("discord", "42", "New Name")
    async with repo.unit() as unit:
        found = await unit.find_learner("discord", "42")
        by_id = await unit.get_learner(first.id)
        elsewhere = await unit.find_learner("slack", "42")
    assert renamed.id == first.id
    assert found == by_id == Learner(first.id, "discord", "42", "New Name")
    assert elsewhere is None


async def test_failed_unit_rolls_back_everything(repo: Repository) -> None:
    """An exception inside a unit leaves no trace of its writes."""
    with pytest.raises(RuntimeError):
        async with repo.unit() as unit:
            await unit.ensure_learner("discord", "ghost", "Ghost")
            raise RuntimeError("boom")
    async with repo.unit() as unit:
        assert await unit.find_learner("discord", "ghost") is None


async def test_delete_learner_removes_only_that_learners_data(
    repo: Repository, world: World
) -> None:
    """Deleting a learner drops their cards, answers and row; others keep theirs."""
    post = await make_post(repo, drill(world))
    async with repo.unit() as unit:
        await unit.save_schedule(schedule(world))
        for who in (world.alice, world.bob):
            await unit.save_card(who.id, "q1", card(T0))
            await unit.add_answer(answer(world, who, post_id=post.id))
            await unit.add_answer(answer(world, who))
    async with repo.unit() as unit:
        await unit.delete_learner(world.alice.id)
    async with repo.unit() as unit:
        assert await unit.get_learner(world.alice.id) is None
        assert await unit.find_learner("discord", "u-alice") is None
        assert await unit.cards_of(world.alice.id) == []
        assert await unit.answers_of(world.alice.id) == []
        assert not await unit.has_answered(post.id, world.alice.id)
        assert [a.learner_id for a in await unit.answers_for_post(post.id)] == [world.bob.id]
        assert len(await unit.answers_of(world.bob.id)) == 2
        assert len(await unit.cards_of(world.bob.id)) == 1
        saved = await unit.schedule_for_channel(world.tenant.id, "general")
    assert saved is not None and saved.created_by is None


async def test_concurrent_first_contact_creates_one_learner(repo: Repository) -> None:
    """Two units ensuring the same new learner at once agree on a single row."""

    async def first_contact() -> Learner:
        async with repo.unit() as unit:
            return await unit.ensure_learner("slack", "U-new", "Newcomer")

    one, two = await asyncio.gather(first_contact(), first_contact())
    assert one == two


async def test_interleaved_read_then_write_units_both_commit(
    repo: Repository, world: World
) -> None:
    """Units that read and then write at the same time both commit ("database is locked" never)."""
    first_has_read, second_has_read = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with repo.unit() as unit:
            await unit.answers_of(world.alice.id)
            first_has_read.set()
            # Give the second unit every chance to read before this one writes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(second_has_read.wait(), 0.3)
            await unit.add_answer(answer(world, world.alice))

    async def second() -> None:
        await first_has_read.wait()
        async with repo.unit() as unit:
            await unit.answers_of(world.bob.id)
            second_has_read.set()
            await unit.add_answer(answer(world, world.bob))

    await asyncio.gather(first(), second())
    async with repo.unit() as unit:
        assert len(await unit.answers_of(world.alice.id)) == 1
        assert len(await unit.answers_of(world.bob.id)) == 1


# questions


async def test_sync_questions_counts_changes_and_retires_without_deleting(
    repo: Repository, world: World
) -> None:
    """Sync reports added/updated/retired/active; retired questions stay, inactive."""
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q4", card(T0))
        report = await unit.sync_questions(
            [
                QuestionRow("q1", "tokens", "h-q1"),  # unchanged
                QuestionRow("q2", "tokens", "h-q2-edited"),  # updated
                QuestionRow("q3", "sampling", "h-q3"),  # concept moved: updated
                QuestionRow("q5", "tokens", "h-q5"),  # added; q4 is retired
            ]
        )
        active = await unit.active_question_ids()
        retired_card = await unit.get_card(world.alice.id, "q4")
    assert report == SyncReport(added=1, updated=2, retired=1, active=4)
    assert active == {"q1", "q2", "q3", "q5"}
    assert retired_card is not None

    async with repo.unit() as unit:
        back = await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in ("q1", "q4")])
        active = await unit.active_question_ids()
    assert back == SyncReport(added=0, updated=1, retired=3, active=2)
    assert active == {"q1", "q4"}


async def test_sync_questions_is_a_no_op_when_nothing_changed(repo: Repository) -> None:
    """Syncing the same bank twice reports no changes the second time."""
    rows = [QuestionRow("a", "c", "h1"), QuestionRow("b", "c", "h2")]
    async with repo.unit() as unit:
        first = await unit.sync_questions(rows)
    async with repo.unit() as unit:
        second = await unit.sync_questions(rows)
    assert first == SyncReport(added=2, updated=0, retired=0, active=2)
    assert second == SyncReport(added=0, updated=0, retired=0, active=2)


# cards


async def test_cards_round_trip_as_aware_utc(repo: Repository, world: World) -> None:
    """A saved card reads back equal, with every instant aware and in UTC."""
    berlin = timezone(timedelta(hours=1))
    saved = CardState(
        state=1,
        step=0,
        stability=None,
        difficulty=None,
        due=datetime(2025, 3, 10, 13, 0, 0, 123456, tzinfo=berlin),
        last_review=None,
    )
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", saved)
    async with repo.unit() as unit:
        loaded = await unit.get_card(world.alice.id, "q1")
        missing = await unit.get_card(world.bob.id, "q1")
    assert loaded == saved
    assert loaded is not None and loaded.due.tzinfo == UTC
    assert loaded.due == datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)
    assert missing is None

    reviewed = card(T0 + timedelta(days=3), reps=4, last_review=T0)
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", reviewed)
        await unit.save_card(world.bob.id, "q2", reviewed)
    async with repo.unit() as unit:
        alice_cards = await unit.cards_of(world.alice.id)
        both = await unit.cards_for([world.alice.id, world.bob.id], ["q1", "q2", "q3"])
        nothing = await unit.cards_for([], ["q1"])
    assert [(c.question_id, c.card) for c in alice_cards] == [("q1", reviewed)]
    assert alice_cards[0].card.last_review is not None
    assert alice_cards[0].card.last_review.tzinfo == UTC
    assert both == {(world.alice.id, "q1"): reviewed, (world.bob.id, "q2"): reviewed}
    assert nothing == {}


async def test_naive_datetimes_are_refused(repo: Repository, world: World) -> None:
    """Storing a naive datetime fails instead of guessing its zone."""
    naive = card(datetime(2025, 3, 10, 12, 0))
    with pytest.raises(StatementError, match="naive datetime"):
        async with repo.unit() as unit:
            await unit.save_card(world.alice.id, "q1", naive)


async def test_due_cards_most_overdue_first_active_only_and_limited(
    repo: Repository, world: World
) -> None:
    """due_cards skips retired questions and future cards, orders by due, honours limit."""
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0 - timedelta(hours=1)))
        await unit.save_card(world.alice.id, "q2", card(T0 - timedelta(days=2)))
        await unit.save_card(world.alice.id, "q3", card(T0 + timedelta(days=1)))
        await unit.save_card(world.alice.id, "q4", card(T0 - timedelta(days=5)))
        await unit.save_card(world.bob.id, "q1", card(T0 - timedelta(days=9)))
        await unit.sync_questions([QuestionRow(q, "tokens", f"h-{q}") for q in ("q1", "q2", "q3")])
    async with repo.unit() as unit:
        due = await unit.due_cards(world.alice.id, T0, limit=10)
        first = await unit.due_cards(world.alice.id, T0, limit=1)
        due_now = await unit.count_due(world.alice.id, T0)
        due_this_week = await unit.count_due(world.alice.id, T0 + timedelta(days=7))
    assert [c.question_id for c in due] == ["q2", "q1"]
    assert [c.question_id for c in first] == ["q2"]
    assert due_now == 2
    assert due_this_week == 3


# answers


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
    assert [(a.id, a.learner_name, a.choice) for a in stored] == [
        (first_id, "Alice", 2),
        (stored[1].id, "Bob", 1),
    ]
    assert answered and not carol_answered


async def test_personal_review_answers_are_unlimited(repo: Repository, world: World) -> None:
    """Answers without a post (reviews) may repeat any number of times."""
    async with repo.unit() as unit:
        for minute in range(3):
            await unit.add_answer(answer(world, world.alice, at=T0 + timedelta(minutes=minute)))
    async with repo.unit() as unit:
        stored = await unit.answers_of(world.alice.id)
    assert [a.answered_at for a in stored] == [T0 + timedelta(minutes=m) for m in range(3)]
    assert all(a.post_id is None and a.learner_name == "Alice" for a in stored)


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
    assert all(t.tzinfo == UTC for t in times)


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
    async with repo.unit() as unit:
        week = await unit.leaderboard(world.tenant.id, since, until, limit=10)
        top = await unit.leaderboard(world.tenant.id, since, until, limit=1)
        all_time = await unit.leaderboard(world.tenant.id, None, None, limit=10)
    assert [(r.display_name, r.points, r.correct, r.answered) for r in week] == [
        ("Alice", 20, 2, 2),
        ("Bob", 20, 1, 2),
        ("Carol", 20, 1, 1),
    ]
    assert [r.learner_id for r in top] == [world.alice.id]
    assert [(r.display_name, r.points) for r in all_time] == [
        ("Carol", 218),
        ("Alice", 20),
        ("Bob", 20),
    ]


# posts


async def test_duplicate_drill_post_for_a_day_returns_none(repo: Repository, world: World) -> None:
    """A second drill post for the same schedule and date is refused with None."""
    async with repo.unit() as unit:
        plan = await unit.save_schedule(schedule(world))
    day = date(2025, 3, 10)
    async with repo.unit() as unit:
        first = await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))
        second = await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))
        next_day = await unit.create_post(
            drill(world, schedule_id=plan.id, local_date=day + timedelta(days=1))
        )
    async with repo.unit() as unit:
        found = await unit.drill_post_for(plan.id, day)
        none_yet = await unit.drill_post_for(plan.id, day + timedelta(days=2))
    assert first is not None and second is None and next_day is not None
    assert found == first
    assert none_yet is None


async def test_concurrent_drill_fires_create_exactly_one_post(
    repo: Repository, world: World
) -> None:
    """Two units racing to post the same drill day yield exactly one post."""
    async with repo.unit() as unit:
        plan = await unit.save_schedule(schedule(world))
    day = date(2025, 3, 11)

    async def fire() -> Post | None:
        async with repo.unit() as unit:
            return await unit.create_post(drill(world, schedule_id=plan.id, local_date=day))

    results = await asyncio.gather(fire(), fire())
    created = [post for post in results if post is not None]
    assert len(created) == 1
    async with repo.unit() as unit:
        assert await unit.drill_post_for(plan.id, day) == created[0]
        assert await unit.unrevealed_posts() == created


async def test_claim_reveal_succeeds_once(repo: Repository, world: World) -> None:
    """Only the first claim flips revealed_at, also when two units race."""
    post = await make_post(repo, drill(world))
    racer = await make_post(repo, drill(world, question_id="q2"))

    async with repo.unit() as unit:
        first = await unit.claim_reveal(post.id, T0 + timedelta(hours=1))
        again = await unit.claim_reveal(post.id, T0 + timedelta(hours=2))

    async def claim() -> bool:
        async with repo.unit() as unit:
            return await unit.claim_reveal(racer.id, T0 + timedelta(hours=1))

    raced = await asyncio.gather(claim(), claim())
    async with repo.unit() as unit:
        stored = await unit.get_post(post.id)
        unrevealed = await unit.unrevealed_posts()
    assert (first, again) == (True, False)
    assert sorted(raced) == [False, True]
    assert stored is not None and stored.revealed_at == T0 + timedelta(hours=1)
    assert unrevealed == []


async def test_posts_round_trip_and_take_a_message_id(repo: Repository, world: World) -> None:
    """A created post reads back whole; set_post_message stores the platform id."""
    new = drill(world, kind="quiz", question_id="q3")
    post = await make_post(repo, new)
    async with repo.unit() as unit:
        await unit.set_post_message(post.id, "msg-123")
        stored = await unit.get_post(post.id)
        missing = await unit.get_post(post.id + 1000)
    assert stored == replace(post, message_id="msg-123")
    assert (stored.kind, stored.question_id, stored.opens_at) == ("quiz", "q3", T0)
    assert stored.closes_at == T0 + timedelta(hours=1) and stored.revealed_at is None
    assert missing is None


async def test_latest_open_post_is_the_newest_unrevealed(repo: Repository, world: World) -> None:
    """latest_open_post skips revealed posts and other channels."""
    older = await make_post(repo, drill(world, opens_at=T0))
    newer = await make_post(repo, drill(world, opens_at=T0 + timedelta(minutes=10)))
    await make_post(repo, drill(world, channel="random", opens_at=T0 + timedelta(hours=1)))
    async with repo.unit() as unit:
        latest = await unit.latest_open_post(world.tenant.id, "general")
        await unit.claim_reveal(newer.id, T0 + timedelta(minutes=20))
        after_reveal = await unit.latest_open_post(world.tenant.id, "general")
        await unit.claim_reveal(older.id, T0 + timedelta(minutes=20))
        none_left = await unit.latest_open_post(world.tenant.id, "general")
    assert latest == newer
    assert after_reveal == older
    assert none_left is None


async def test_recent_drill_questions_newest_first(repo: Repository, world: World) -> None:
    """Recent drill questions of the channel, newest first, quiz posts excluded."""
    for hours, question in ((0, "q1"), (24, "q2"), (48, "q3")):
        await make_post(
            repo, drill(world, question_id=question, opens_at=T0 + timedelta(hours=hours))
        )
    await make_post(
        repo, drill(world, kind="quiz", question_id="q4", opens_at=T0 + timedelta(days=3))
    )
    await make_post(repo, drill(world, channel="random", question_id="q4"))
    async with repo.unit() as unit:
        recent = await unit.recent_drill_questions(world.tenant.id, "general", limit=2)
        every = await unit.recent_drill_questions(world.tenant.id, "general", limit=10)
    assert recent == ["q3", "q2"]
    assert every == ["q3", "q2", "q1"]


# drill schedules


async def test_save_schedule_replaces_in_place_and_enables(repo: Repository, world: World) -> None:
    """Saving a channel's schedule again keeps its id, replaces its fields, re-enables it."""
    async with repo.unit() as unit:
        first = await unit.save_schedule(schedule(world))
        await unit.set_schedule_enabled(first.id, False, T0 + timedelta(hours=1))
        disabled = await unit.get_schedule(first.id)
        enabled_while_off = await unit.enabled_schedules()
    changed = schedule(
        world,
        local_time=time(18, 5),
        timezone="America/New_York",
        weekdays=(5, 6),
        window_minutes=30,
        concept="tokens",
        updated_at=T0 + timedelta(days=1),
    )
    async with repo.unit() as unit:
        second = await unit.save_schedule(changed)
        elsewhere = await unit.save_schedule(schedule(world, channel="random"))
        by_channel = await unit.schedule_for_channel(world.tenant.id, "general")
        enabled = await unit.enabled_schedules()
        nothing = await unit.schedule_for_channel(world.tenant.id, "nowhere")
    assert first.enabled and first.weekdays == (0, 2, 4) and first.local_time == time(9, 30)
    assert disabled is not None and not disabled.enabled
    assert disabled.updated_at == T0 + timedelta(hours=1)
    assert enabled_while_off == []
    assert second.id == first.id and second.enabled
    assert (second.local_time, second.timezone, second.weekdays) == (
        time(18, 5),
        "America/New_York",
        (5, 6),
    )
    assert (second.window_minutes, second.concept, second.updated_at) == (
        30,
        "tokens",
        T0 + timedelta(days=1),
    )
    assert by_channel == second
    assert enabled == [second, elsewhere]
    assert nothing is None


# quiz rounds


async def test_quiz_round_lifecycle(repo: Repository, world: World) -> None:
    """A round is active until finished; position and roster updates persist."""
    async with repo.unit() as unit:
        started = await unit.create_round(
            world.tenant.id, "general", world.alice.id, ["q1", "q2"], [world.alice.id], T0
        )
        active = await unit.active_round(world.tenant.id, "general")
        await unit.update_round(started.id, position=1)
        await unit.update_round(started.id, roster=[world.alice.id, world.bob.id])
        await unit.update_round(started.id)
    async with repo.unit() as unit:
        moved = await unit.get_round(started.id)
        await unit.finish_round(started.id, T0 + timedelta(minutes=3))
        await unit.finish_round(started.id, T0 + timedelta(minutes=9))
    async with repo.unit() as unit:
        finished = await unit.get_round(started.id)
        after = await unit.active_round(world.tenant.id, "general")
        missing = await unit.get_round(started.id + 1000)
    assert started.question_ids == ("q1", "q2") and started.position == 0
    assert started.roster == (world.alice.id,) and started.finished_at is None
    assert active == started
    assert moved == replace(started, position=1, roster=(world.alice.id, world.bob.id))
    assert finished is not None and finished.finished_at == T0 + timedelta(minutes=3)
    assert after is None
    assert missing is None


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
    assert [(r.display_name, r.points, r.correct, r.answered) for r in scores] == [
        ("Bob", 30, 2, 2),
        ("Alice", 10, 1, 2),
    ]


# durability


async def test_data_survives_reopening_the_database(backend: Backend, world: World) -> None:
    """Committed data is read back by a brand-new engine on the same URL."""
    repo = SqlRepository(backend.engine)
    async with repo.unit() as unit:
        await unit.save_card(world.alice.id, "q1", card(T0))
    await backend.engine.dispose()

    engine = create_engine(backend.url)
    try:
        async with SqlRepository(engine).unit() as unit:
            learner = await unit.find_learner("discord", "u-alice")
            stored = await unit.get_card(world.alice.id, "q1")
            active = await unit.active_question_ids()
    finally:
        await engine.dispose()
    assert learner == world.alice
    assert stored == card(T0)
    assert active == set(QUESTION_IDS)
