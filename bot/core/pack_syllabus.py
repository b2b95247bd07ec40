"""The pack as a whole and its concepts: top-level keys, concepts and syllabus points."""

from __future__ import annotations

import re

from bot.core.pack_nodes import (
    LinedDict,
    LinedList,
    Problem,
    did_you_mean,
    key_text,
    kind,
    show,
)
from bot.core.questions import Concept, Point

PACK_KEYS = ("concepts", "questions")
CONCEPT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A syllabus point: `<concept-short>.<slug>`, e.g. `basics.code-generation`.
POINT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")
MAX_POINT_TEXT = 200


def read_pack(
    path: str, data: object
) -> tuple[list[tuple[Concept, int]], list[tuple[object, int]], list[Problem]]:
    """Split a parsed pack into its concept declarations and question nodes, with lines."""
    if not isinstance(data, LinedDict):
        message = f"a pack must be a mapping with 'concepts' and/or 'questions', got {kind(data)}"
        return [], [], [Problem(path, 1, None, message)]
    problems = [
        Problem(
            path, line, None, f"duplicate key '{key_text(key)}' (also at line {data.line_of(key)})"
        )
        for key, line in data.duplicate_keys
    ]
    for key in data:
        if key not in PACK_KEYS:
            message = f"unknown top-level key '{key_text(key)}'{did_you_mean(key, PACK_KEYS)}"
            problems.append(Problem(path, data.line_of(key), None, message))
    if not any(key in data for key in PACK_KEYS):
        problems.append(Problem(path, data.line, None, "the pack has no 'concepts' or 'questions'"))

    concepts: list[tuple[Concept, int]] = []
    declared = data.get("concepts", LinedList(data.line))
    if not isinstance(declared, LinedList):
        message = f"'concepts' must be a list of {{id, title}}, got {kind(declared)}"
        problems.append(Problem(path, data.line_of("concepts"), None, message))
    else:
        for index, node in enumerate(declared):
            concept = _read_concept(path, node, declared.line_of(index), problems)
            if concept is not None:
                concepts.append((concept, declared.line_of(index)))

    nodes = data.get("questions", LinedList(data.line))
    if not isinstance(nodes, LinedList):
        message = f"'questions' must be a list, got {kind(nodes)}"
        problems.append(Problem(path, data.line_of("questions"), None, message))
        return concepts, [], problems
    return concepts, [(node, nodes.line_of(i)) for i, node in enumerate(nodes)], problems


def _read_concept(path: str, node: object, line: int, problems: list[Problem]) -> Concept | None:
    if not isinstance(node, LinedDict):
        message = f"a concept must be {{id, title}} (and optional points), got {kind(node)}"
        problems.append(Problem(path, line, None, message))
        return None
    before = len(problems)
    for key in node:
        if key not in ("id", "title", "points"):
            problems.append(
                Problem(path, node.line_of(key), None, f"unknown concept key '{key_text(key)}'")
            )
    concept_id, title = node.get("id"), node.get("title")
    if not isinstance(concept_id, str) or not CONCEPT_ID.fullmatch(concept_id):
        message = f"concept id must be a word like 'adapt.rag', got {show(concept_id)}"
        problems.append(Problem(path, node.line_of("id"), None, message))
    if not isinstance(title, str) or not title.strip():
        message = f"concept {show(concept_id)} needs a 'title' (text)"
        problems.append(Problem(path, node.line_of("title"), None, message))
    if len(problems) > before:
        return None
    assert isinstance(concept_id, str) and isinstance(title, str)
    points = _read_points(path, node, problems) if "points" in node else ()
    return Concept(concept_id, title.strip(), points)


def _read_points(path: str, node: LinedDict, problems: list[Problem]) -> tuple[Point, ...]:
    """A concept's syllabus points; a bad point is reported and left out, the concept stays."""
    value = node["points"]
    if not isinstance(value, LinedList):
        message = f"'points' must be a list of {{id, text}}, got {kind(value)}"
        problems.append(Problem(path, node.line_of("points"), None, message))
        return ()
    points: list[Point] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        line = value.line_of(index)
        if not isinstance(item, LinedDict):
            message = f"a syllabus point must be {{id, text}}, got {kind(item)}"
            problems.append(Problem(path, line, None, message))
            continue
        before = len(problems)
        for key in item:
            if key not in ("id", "text"):
                message = f"unknown syllabus point key '{key_text(key)}'"
                problems.append(Problem(path, item.line_of(key), None, message))
        point_id, text = item.get("id"), item.get("text")
        if not isinstance(point_id, str) or not POINT_ID.fullmatch(point_id):
            message = (
                "syllabus point id must be a slug like 'basics.code-generation',"
                f" got {show(point_id)}"
            )
            problems.append(Problem(path, item.line_of("id"), None, message))
        elif point_id in seen:
            message = f"duplicate syllabus point '{point_id}' (also at line {seen[point_id]})"
            problems.append(Problem(path, item.line_of("id"), None, message))
        if not isinstance(text, str) or not text.strip():
            message = f"syllabus point {show(point_id)} needs a 'text' (one line)"
            problems.append(Problem(path, item.line_of("text"), None, message))
        elif len(text.strip()) > MAX_POINT_TEXT:
            message = (
                f"syllabus point {show(point_id)} text is too long:"
                f" {len(text.strip())} characters (limit {MAX_POINT_TEXT})"
            )
            problems.append(Problem(path, item.line_of("text"), None, message))
        if len(problems) == before:
            assert isinstance(point_id, str) and isinstance(text, str)
            seen[point_id] = item.line_of("id")
            source = f"{path}:{item.line}"
            points.append(Point(point_id, " ".join(text.split()), source))
    return tuple(points)
