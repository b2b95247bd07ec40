"""Tenants, posts and learners read by an earlier unit are never served stale.

A SQLite write connection keeps the rows it read by key (bot.storage.cache); these
tests change those rows every way they can change (another engine on the same
database, as another bot process would; this engine; a change rolled back, alone
or in a group commit) and check the next unit reads what is committed now.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.core.ports import Repository
from bot.storage import SqlRepository, create_engine

from ..contract.builders import T0, World, answer, drill, make_post, make_world
from .backends import Backend


class Boom(Exception):
    pass


@pytest.fixture
async def world(repo: Repository) -> World:
    return await make_world(repo)


@pytest.fixture
async def other(backend: Backend) -> AsyncIterator[Repository]:
    """Another engine on the same database: what another bot process would change."""
    engine = create_engine(backend.url)
    try:
        yield SqlRepository(engine)
    finally:
        await engine.dispose()


async def test_a_post_revealed_elsewhere_reads_revealed(
    repo: Repository, other: Repository, world: World
) -> None:
    post = await make_post(repo, drill(world))
    async with repo.unit() as u:
        assert (await u.get_post(post.id)) == post
    async with other.unit() as u:
        assert await u.claim_reveal(post.id, T0)
    async with repo.unit() as u:
        found = await u.get_post(post.id)
    assert found is not None and found.revealed_at == T0


async def test_a_zone_and_a_name_changed_elsewhere_are_read(
    repo: Repository, other: Repository, world: World
) -> None:
    async with repo.unit() as u:
        assert (await u.find_tenant("discord", "guild-1")) == world.tenant
        assert (await u.find_learner("discord", "u-alice")) == world.alice
    async with other.unit() as u:
        await u.set_tenant_timezone(world.tenant.id, "Asia/Tokyo", explicit=True)
        await u.ensure_learner("discord", "u-alice", "Alice B.")
    async with repo.unit() as u:
        tenant = await u.find_tenant("discord", "guild-1")
        by_id = await u.get_tenant(world.tenant.id)
        alice = await u.find_learner("discord", "u-alice")
    assert tenant == by_id == replace(world.tenant, timezone="Asia/Tokyo", timezone_explicit=True)
    assert alice == replace(world.alice, display_name="Alice B.")


async def test_a_learner_forgotten_elsewhere_comes_back_as_a_new_one(
    repo: Repository, other: Repository, world: World
) -> None:
    async with repo.unit() as u:
        await u.add_answer(answer(world, world.bob))
    async with other.unit() as u:
        await u.delete_learner(world.bob.id)
    async with repo.unit() as u:
        bob = await u.ensure_learner("discord", "u-bob", "Bob")
        await u.add_answer(answer(world, bob, at=T0))
    assert bob.id != world.bob.id
    async with repo.unit(readonly=True) as u:
        assert [a.learner_id for a in await u.answers_of(bob.id)] == [bob.id]


async def test_this_engines_own_changes_are_read(repo: Repository, world: World) -> None:
    post = await make_post(repo, drill(world))
    async with repo.unit() as u:
        await u.get_post(post.id)
        await u.find_learner("discord", "u-carol")
    async with repo.unit() as u:
        await u.set_post_message(post.id, "m-1")
        assert await u.claim_reveal(post.id, T0)
        await u.ensure_learner("discord", "u-carol", "Caro")
    async with repo.unit() as u:
        assert await u.get_post(post.id) == replace(post, message_id="m-1", revealed_at=T0)
        assert await u.find_learner("discord", "u-carol") == replace(
            world.carol, display_name="Caro"
        )


async def test_a_change_rolled_back_is_not_read(repo: Repository, world: World) -> None:
    post = await make_post(repo, drill(world))
    with pytest.raises(Boom):
        async with repo.unit() as u:
            assert await u.claim_reveal(post.id, T0)
            assert (await u.get_post(post.id)) == replace(post, revealed_at=T0)
            raise Boom()
    async with repo.unit() as u:
        assert await u.get_post(post.id) == post


async def test_a_change_rolled_back_in_a_group_commit_is_not_read(
    repo: Repository, world: World
) -> None:
    """Units that overlap share one transaction on SQLite, each after the first in a
    savepoint; one undone leaves no trace for the units after it."""
    post = await make_post(repo, drill(world))
    seen: dict[str, object] = {}
    started = asyncio.Event()

    async def holder() -> None:
        async with repo.unit() as u:
            started.set()
            await asyncio.sleep(0.05)  # the others queue behind it, in the order below
            seen["holder"] = await u.get_post(post.id)

    async def before() -> None:
        await started.wait()
        async with repo.unit() as u:
            seen["before"] = await u.get_post(post.id)

    async def undone() -> None:
        await started.wait()
        with pytest.raises(Boom):
            async with repo.unit() as u:
                assert await u.claim_reveal(post.id, T0)
                seen["undone"] = await u.get_post(post.id)
                raise Boom()

    async def after() -> None:
        await started.wait()
        async with repo.unit() as u:
            seen["after"] = await u.get_post(post.id)

    await asyncio.gather(holder(), before(), undone(), after())
    revealed = replace(post, revealed_at=T0)
    assert seen == {"holder": post, "before": post, "undone": revealed, "after": post}
