"""The one line a pack path gets when it cannot be read, and the size limit's wording."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from bot.core import pack_yaml
from bot.core.pack_nodes import Problem


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


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        (stat.S_IFREG, None),
        (stat.S_IFDIR, "is a folder, not a pack file"),
        (stat.S_IFIFO, "is a named pipe (FIFO), not a pack file"),
        (stat.S_IFCHR, "is a device, not a pack file"),
        (stat.S_IFBLK, "is a device, not a pack file"),
        (stat.S_IFSOCK, "is a socket, not a pack file"),
        (stat.S_IFLNK, "is not a regular file"),
    ],
)
def test_each_kind_of_file_is_named(mode: int, line: str | None) -> None:
    """Only a regular file is a pack; anything else says what it is."""
    assert pack_yaml._kind_problem(mode) == line


def test_a_folder_that_cannot_be_listed_is_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose listing fails is named with the reason, and nothing is loaded."""

    def refuse(self: Path) -> object:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)
    assert pack_yaml.pack_files([tmp_path]) == (
        [],
        [Problem(str(tmp_path), 0, None, "cannot read: permission denied")],
    )


def test_hidden_and_foreign_files_are_skipped(tmp_path: Path) -> None:
    """Hidden files and other suffixes are not packs; a folder with none says so."""
    (tmp_path / ".draft.yaml").write_text("x: 1\n")
    (tmp_path / "notes.txt").write_text("x")
    assert pack_yaml.pack_files([tmp_path]) == (
        [],
        [Problem(str(tmp_path), 0, None, "no *.yaml packs in this folder")],
    )
    (tmp_path / "a.yml").write_text("x: 1\n")
    assert pack_yaml.pack_files([tmp_path]) == ([tmp_path / "a.yml"], [])


def test_a_file_that_cannot_be_opened_or_read_is_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vanished before opening, or failing while read: one line each, no bytes."""
    gone = tmp_path / "gone.yaml"
    assert pack_yaml.read_pack_file(gone) == (
        None,
        Problem(str(gone), 0, None, "no such file or folder"),
    )
    there = tmp_path / "there.yaml"
    there.write_text("x: 1\n")
    assert pack_yaml.read_pack_file(there) == (b"x: 1\n", None)

    def failing(fd: int, size: int) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "read", failing)
    assert pack_yaml.read_pack_file(there) == (
        None,
        Problem(str(there), 0, None, "cannot read: Input/output error"),
    )
