"""Migrations are the only source of the schema, and they agree with bot.storage.tables."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.core.records import Tenant
from bot.storage import SqlRepository, create_engine, migrate
from bot.storage.engine import alembic_config
from bot.storage.tables import metadata

from .backends import Backend


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _head() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


async def test_migrated_schema_matches_tables(backend: Backend) -> None:
    """Autogenerate finds nothing to change between the migrated database and tables.py."""
    async with backend.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_migrate_again_is_a_no_op_at_head(backend: Backend) -> None:
    """Migrating an up-to-date database changes nothing and leaves it at the single head."""
    await migrate(backend.url)
    async with backend.engine.connect() as connection:
        revision = await connection.run_sync(_current_revision)
        differences = await connection.run_sync(_differences)
    assert revision == _head()
    assert differences == []


async def test_downgrade_to_base_and_back(backend: Backend) -> None:
    """Every migration can be undone, and upgrading again restores the same schema."""

    def downgrade(connection: Connection) -> list[str]:
        config = alembic_config(backend.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return sorted(inspect(connection).get_table_names())

    async with backend.engine.begin() as connection:
        left = await connection.run_sync(downgrade)
    assert set(left) <= {"alembic_version"}

    await migrate(backend.url)
    async with backend.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_migrate_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """migrate finds the migrations folder from any current directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = "sqlite+aiosqlite:///./relative.db"
    await migrate(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert (elsewhere / "relative.db").exists()
    assert set(metadata.tables) <= tables


async def test_upgrade_keeps_existing_tenants_with_default_settings(backend: Backend) -> None:
    """A tenant stored under 0001 reads back after 0002: implicit zone, Monday 09:00 board."""

    def to_0001(connection: Connection) -> None:
        config = alembic_config(backend.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    async with backend.engine.begin() as connection:
        await connection.run_sync(to_0001)
        await connection.execute(
            text(
                "INSERT INTO tenants (platform, external_id, timezone) "
                "VALUES ('slack', 'T-old', 'Asia/Tokyo')"
            )
        )
    await migrate(backend.url)
    async with SqlRepository(backend.engine).unit(readonly=True) as unit:
        tenant = await unit.find_tenant("slack", "T-old")
        boards = await unit.tenants_with_boards()
    assert tenant == Tenant(tenant.id if tenant else 0, "slack", "T-old", "Asia/Tokyo")
    assert tenant is not None and (tenant.board_day, tenant.board_time) == (0, time(9))
    assert not tenant.timezone_explicit
    assert boards == [tenant]
