"""Which paths are pack files, and reading them safely.

A pack path may be anything a user can name: a FIFO that would block a read
forever, a link to /dev/zero that never ends, a symlink loop, a folder called
`x.yaml`, a file nobody may read. Each becomes one problem naming the path;
nothing but a regular file is ever opened for reading, and that check is made
on the open descriptor, so a file swapped for a FIFO after listing is still
refused. Reading stops at MAX_PACK_BYTES.

(No YAML here: start-up reads the shipped files to check its bank cache without
loading the parser; bot/core/pack_yaml.py parses.)
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from bot.core.pack_nodes import Problem

PACK_SUFFIXES = (".yaml", ".yml")
MAX_PACK_BYTES = 4 * 1024 * 1024


def _kind_problem(mode: int) -> str | None:
    """Why a file of this mode is not a pack, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a pack file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a pack file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a pack file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a pack file"
    return "is not a regular file"


def _stat_problem(path: Path, exc: OSError) -> str:
    """One line for a path that cannot be looked at."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link leads back to itself)"
    if exc.errno == errno.ENOENT:
        if path.is_symlink():
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            return f"broken symbolic link (points to {target}, which does not exist)"
        return "no such file or folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    return f"cannot read: {exc.strerror or exc}"


def same_file_key(path: Path) -> object:
    """What identifies the file behind a path (device and inode), or the path if unreadable."""
    try:
        info = path.stat()
    except (OSError, ValueError):
        return str(path.absolute())
    return (info.st_dev, info.st_ino)


def safe_resolve(path: Path) -> Path:
    """path.resolve(), or the absolute path when links loop or cannot be followed."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _listed(folder: Path) -> tuple[list[Path], list[Problem]]:
    """The pack files of one folder (hidden files skipped), and problems naming the others."""
    files: list[Path] = []
    problems: list[Problem] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        return [], [Problem(str(folder), 0, None, _stat_problem(folder, exc))]
    for entry in entries:
        if entry.suffix not in PACK_SUFFIXES or entry.name.startswith("."):
            continue
        try:
            mode = entry.stat().st_mode
        except OSError as exc:
            problems.append(Problem(str(entry), 0, None, _stat_problem(entry, exc)))
            continue
        kind = _kind_problem(mode)
        if stat.S_ISDIR(mode):
            kind = f"{kind} (packs inside a sub-folder are not loaded; name the folder itself)"
        if kind:
            problems.append(Problem(str(entry), 0, None, kind))
        else:
            files.append(entry)
    if not files and not problems:
        problems.append(Problem(str(folder), 0, None, "no *.yaml packs in this folder"))
    return files, problems


def pack_files(dirs_or_files: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The pack files named by the arguments: each folder's *.yaml/*.yml, sorted.

    Every path that is not a readable folder or regular file is a problem naming
    it; a file named twice (or via two paths) is listed once.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for path in dirs_or_files:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            problems.append(Problem(str(path), 0, None, _stat_problem(path, exc)))
            continue
        except ValueError as exc:  # e.g. a NUL byte in the name
            problems.append(Problem(repr(str(path))[1:-1], 0, None, f"bad path: {exc}"))
            continue
        if stat.S_ISDIR(mode):
            found, found_problems = _listed(path)
            files.extend(found)
            problems.extend(found_problems)
        elif kind := _kind_problem(mode):
            problems.append(Problem(str(path), 0, None, kind))
        else:
            files.append(path)
    unique: list[Path] = []
    seen: set[object] = set()
    for file in files:
        key = same_file_key(file)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, problems


def read_pack_file(path: Path) -> tuple[bytes | None, Problem | None]:
    """The bytes of a pack file, read only if it is a regular file within MAX_PACK_BYTES."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, Problem(name, 0, None, _stat_problem(path, exc))
    try:
        info = os.fstat(fd)
        kind = _kind_problem(info.st_mode)
        if kind:
            return None, Problem(name, 0, None, kind)
        if info.st_size > MAX_PACK_BYTES:
            return None, Problem(name, 0, None, _too_big(info.st_size))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_PACK_BYTES:  # the file may grow after fstat
            chunk = os.read(fd, min(1 << 20, MAX_PACK_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_PACK_BYTES:
            return None, Problem(name, 0, None, _too_big(size))
        return b"".join(chunks), None
    except OSError as exc:
        return None, Problem(name, 0, None, _stat_problem(path, exc))
    finally:
        os.close(fd)


def _too_big(size: int) -> str:
    mib = 1024 * 1024
    return (
        f"file too large: {size / mib:.1f} MiB (limit {MAX_PACK_BYTES / mib:.0f} MiB);"
        " split it into several packs"
    )
