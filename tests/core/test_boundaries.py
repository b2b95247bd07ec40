"""The core stays platform-free: no chat, database or scheduler library is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.core

FORBIDDEN = {
    "discord",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "apscheduler",
    "aiosqlite",
    "asyncpg",
    "aiohttp",
    "alembic",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_platform_database_or_scheduler_library() -> None:
    """No module under bot/core imports discord, slack, sqlalchemy, apscheduler and the like."""
    core = Path(bot.core.__file__).parent
    modules = sorted(core.rglob("*.py"))
    assert len(modules) > 10
    offenders = {
        str(path.relative_to(core)): sorted(imported_roots(path) & FORBIDDEN) for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_boundary_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The scanner itself notices `from sqlalchemy import x` (so the test above can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom sqlalchemy.orm import Session\n")
    assert imported_roots(sample) & FORBIDDEN == {"sqlalchemy"}
