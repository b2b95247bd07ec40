"""Records and a small world of tenants, learners and questions for repository tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.core.ports import Repository
from bot.core.records import (
    AnswerRecord,
    Learner,
    NewDelivery,
    NewPost,
    NewSchedule,
    Post,
    QuestionRow,
    Tenant,
)
from bot.core.srs import CardState

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
QUESTION_IDS = ("q1", "q2", "q3", "q4")


@dataclass(frozen=True)
class World:
    tenant: Tenant
    alice: Learner
    bob: Learner
    carol: Learner


async def make_world(repo: Repository) -> World:
    """One Discord guild, three learners and four active questions."""
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


def delivery(world: World, key: str, **changes: object) -> NewDelivery:
    base = NewDelivery(
        kind="question",
        tenant_id=world.tenant.id,
        channel="general",
        dedup_key=key,
        created_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def make_post(repo: Repository, new: NewPost) -> Post:
    async with repo.unit() as unit:
        post = await unit.create_post(new)
    assert post is not None
    return post
