"""docker-compose.yml is valid and wires the bot to Postgres (no Docker engine here)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_the_bot_against_a_healthy_postgres() -> None:
    """The bot service builds this repo, uses asyncpg on the postgres service, waits for health."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"bot", "postgres"}
    bot, postgres = services["bot"], services["postgres"]
    assert bot["build"] == "." and (ROOT / "Dockerfile").is_file()
    url = make_url(bot["environment"]["DATABASE_URL"])
    assert url.drivername == "postgresql+asyncpg" and url.host == "postgres"
    env = postgres["environment"]
    assert (url.username, url.password, url.database) == (
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
        env["POSTGRES_DB"],
    )
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_the_image_carries_what_the_bot_loads_at_run_time() -> None:
    """The Dockerfile copies the packs and migrations the bot reads beside its package."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ("bot", "questions", "migrations"):
        assert f"COPY {folder} ./{folder}" in dockerfile
