"""The one line a pack path gets when it cannot be read, and the size limit's wording."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from bot.core import pack_yaml


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (OSError(errno.EACCES, "Permission denied"), "cannot read: permission denied"),
        (OSError(errno.EPERM, "Operation not permitted"), "cannot read: permission denied"),
        (OSError(errno.ENOTDIR, "Not a directory"), "cannot read: Not a directory"),
        (OSError("disk on fire"), "cannot read: disk on fire"),
        (OSError(errno.ELOOP, "loop"), "symbolic link loop (the link leads back to itself)"),
    ],
    ids=["EACCES", "EPERM", "ENOTDIR", "no-errno", "ELOOP"],
)
def test_an_unreadable_path_gets_one_line(tmp_path: Path, error: OSError, line: str) -> None:
    """Each way a path can fail to be looked at reads as one short line."""
    assert pack_yaml._stat_problem(tmp_path / "p.yaml", error) == line


def test_a_broken_link_names_its_target_or_a_question_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dangling link says where it points; if even that cannot be read, '?'."""
    link = tmp_path / "l.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    missing = OSError(errno.ENOENT, "No such file")
    assert pack_yaml._stat_problem(link, missing) == (
        f"broken symbolic link (points to {tmp_path / 'gone.yaml'}, which does not exist)"
    )

    def unreadable(path: object) -> str:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "readlink", unreadable)
    assert pack_yaml._stat_problem(link, missing) == (
        "broken symbolic link (points to ?, which does not exist)"
    )
    assert pack_yaml._stat_problem(tmp_path / "none.yaml", missing) == "no such file or folder"


def test_a_file_over_the_limit_says_how_big_and_what_to_do() -> None:
    """Sizes are shown in MiB with one decimal, with the advice to split the pack."""
    assert pack_yaml._too_big(100 * 1024 * 1024 + 1) == (
        "file too large: 100.0 MiB (limit 4 MiB); split it into several packs"
    )
    assert pack_yaml._too_big(1024 * 1024 * 1024) == (
        "file too large: 1024.0 MiB (limit 4 MiB); split it into several packs"
    )


def test_long_id_lists_name_eight_and_count_the_rest() -> None:
    """A bank-rule line names at most eight question ids, then 'and N more'."""
    from bot.core import bank_rules

    ids = [f"q{n}" for n in range(11)]
    assert bank_rules._ids(ids[:8]) == "q0, q1, q2, q3, q4, q5, q6, q7"
    assert bank_rules._ids(ids) == "q0, q1, q2, q3, q4, q5, q6, q7 and 3 more"


def test_a_source_is_split_at_its_last_colon() -> None:
    """`file:line` locates a problem; a source without a line falls back to the bank."""
    from bot.core import bank_rules

    assert bank_rules._at("c:/packs/a.yaml:12", "questions") == ("c:/packs/a.yaml", 12)
    assert bank_rules._at("a.yaml", "questions") == ("questions", 0)
    assert bank_rules._at(":7", "questions") == ("questions", 0)
    assert bank_rules._at("a.yaml:x", "questions") == ("questions", 0)
