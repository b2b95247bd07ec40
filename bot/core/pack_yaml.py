"""Reading pack files safely: which paths are packs, and YAML parsed within limits.

A pack path may be anything a user can name: a FIFO that would block a read
forever, a link to /dev/zero that never ends, a symlink loop, a folder called
`x.yaml`, a file nobody may read. Each becomes one problem naming the path;
nothing but a regular file is ever opened for reading, and that check is made
on the open descriptor, so a file swapped for a FIFO after listing is still
refused.

YAML is parsed within limits, each ending in a problem naming the file:

- at most MAX_PACK_BYTES per file (read no further than the limit);
- nesting at most MAX_DEPTH deep (the composers recurse per level);
- anchors and aliases (`&base`, `*base`, `<<: *base`) are allowed, but the
  document with every alias written out may hold at most MAX_EXPANDED_NODES
  values. An alias bomb ("billion laughs") is refused by a linear pre-scan of
  the event stream, before any node is built, so it costs no memory;
- at most MAX_PACK_QUESTIONS questions per file (checked by the loader).

The pre-scan and the parse use libyaml when PyYAML has it (about 6x faster
than pure Python); the depth limit keeps its recursive composer safe.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from bot.core.pack_nodes import LinedDict, LinedList, Problem

PACK_SUFFIXES = (".yaml", ".yml")
MAX_PACK_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_EXPANDED_NODES = 300_000
MAX_PACK_QUESTIONS = 5_000
MAX_LOADED_QUESTIONS = 20_000  # across every pack loaded together

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc,valid-type]
    """A safe loader whose mappings and lists remember their lines (1-based).

    Booleans follow YAML 1.2 (only true/false), so a choice spelled `No` or
    `on` stays text instead of silently becoming a boolean.
    """

    def construct_lined_map(self, node: yaml.MappingNode) -> Iterator[LinedDict]:
        data = LinedDict(node.start_mark.line + 1)
        yield data
        own = {id(key_node) for key_node, _ in node.value}
        own_keys: set[object] = set()
        self.flatten_mapping(node)  # `<<: *anchor` entries come first; the node's own keys win
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that is not a scalar",
                    key_node.start_mark,
                ) from None
            line = key_node.start_mark.line + 1
            if id(key_node) not in own:
                data.key_lines.setdefault(key, line)
            elif key in own_keys:
                data.duplicate_keys.append((key, line))
            else:
                own_keys.add(key)
                data.key_lines[key] = line
            data[key] = self.construct_object(value_node)

    def construct_lined_list(self, node: yaml.SequenceNode) -> Iterator[LinedList]:
        data = LinedList(node.start_mark.line + 1)
        yield data
        data.extend(self.construct_object(child) for child in node.value)
        data.item_lines = [child.start_mark.line + 1 for child in node.value]


_BOOL = "tag:yaml.org,2002:bool"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_lined_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_lined_list)


# --- paths ----------------------------------------------------------------------------


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


# --- YAML -----------------------------------------------------------------------------


class _LimitExceeded(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _prescan(text: str) -> None:
    """Walk the event stream once: refuse deep nesting and alias expansion over the limits.

    Counts, for every open collection, how many values it would hold with each
    alias written out (an alias counts as the whole anchored value it repeats),
    so an alias bomb is caught while its events stream by, before any node exists.
    """
    anchored: dict[str, int] = {}
    anchors: list[str | None] = []  # per open collection
    sizes: list[int] = []  # expanded values so far, per open collection
    for event in yaml.parse(text, Loader=_Base):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.CollectionStartEvent):
            if len(sizes) >= MAX_DEPTH:
                raise _LimitExceeded(line, f"YAML nested deeper than {MAX_DEPTH} levels")
            anchors.append(event.anchor)
            sizes.append(1)
            continue
        anchor: str | None
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = anchors.pop(), sizes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, anchored.get(event.anchor or "", 1)  # unknown: the parse says
        else:
            continue
        if anchor is not None:
            anchored[anchor] = size
        if sizes:
            sizes[-1] += size
            size = sizes[-1]
        if size > MAX_EXPANDED_NODES:
            raise _LimitExceeded(
                line,
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values;"
                " an anchor (&) may only repeat a small part of a pack",
            )


def parse_pack(path: str, raw: bytes) -> tuple[object, list[Problem]]:
    """The YAML document of one file, or the problem that stops it being read."""
    if not raw.strip():
        return None, [Problem(path, 1, None, "empty file")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        return None, [Problem(path, line, None, f"not UTF-8 text (byte 0x{bad})")]
    try:
        _prescan(text)
        data = yaml.load(text, Loader=_LineLoader)
    except _LimitExceeded as exc:
        return None, [Problem(path, exc.line, None, str(exc))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = "; ".join(str(part) for part in (exc.problem, exc.context) if part)
        return None, [Problem(path, line, None, f"YAML syntax error: {detail}")]
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return None, [Problem(path, line, None, f"YAML syntax error: {exc.reason}")]
    except Exception as exc:
        # PyYAML's constructors raise plain ValueError, KeyError, AttributeError...
        # on explicitly tagged nonsense (`!!bool maybe`, `!!timestamp x`); all of
        # it is a bad file, not a bug here.
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None, [Problem(path, 1, None, f"YAML value cannot be read ({detail})")]
    if data is None:
        return None, [Problem(path, 1, None, "empty file (no YAML document)")]
    return data, []
