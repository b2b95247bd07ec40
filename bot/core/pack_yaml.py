"""Pack YAML parsed within limits (which paths are packs, and reading them: pack_files.py).

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

import re
from collections.abc import Iterator

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from bot.core.pack_files import (  # noqa: F401 (the paths half, re-exported)
    MAX_PACK_BYTES,
    PACK_SUFFIXES,
    _kind_problem,
    _stat_problem,
    _too_big,
    pack_files,
    read_pack_file,
    safe_resolve,
    same_file_key,
)
from bot.core.pack_nodes import LinedDict, LinedList, Problem

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
