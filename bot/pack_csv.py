"""Spreadsheets of questions: CSV import into a pack, and export of a pack to CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.core.pack_nodes import LinedDict, LinedList
from bot.core.questions import LETTERS, Concept, Question

CSV_COLUMNS = (
    "id",
    "type",
    "prompt",
    "choices",
    "answer",
    "explanation",
    "rationales",
    "difficulty",
    "tags",
    "points",
)
CSV_REQUIRED = ("prompt", "choices", "answer", "explanation")
SEPARATOR = " | "
DEFAULT_DIFFICULTY = 2


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|")]


def _slug(prompt: str, taken: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    slug = ""
    for word in words:
        if slug and len(slug) + len(word) > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    slug = slug or "question"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def row_node(cells: dict[str, str], row: int, concept: str, taken: set[str]) -> LinedDict:
    """One spreadsheet row as the mapping a pack would hold, every line being the row."""
    node = LinedDict(row)

    def put(key: str, value: object) -> None:
        node[key], node.key_lines[key] = value, row

    qtype = cells.get("type", "").strip().lower() or "single"
    put("id", cells.get("id", "").strip() or _slug(cells["prompt"], taken))
    put("concept", concept)
    put("type", qtype)
    difficulty = cells.get("difficulty", "").strip()
    put("difficulty", int(difficulty) if difficulty.isdigit() else difficulty or DEFAULT_DIFFICULTY)
    put("tags", _lined(row, [t for t in re.split(r"[,\s]+", cells.get("tags", "")) if t]))
    points = [p for p in re.split(r"[,\s]+", cells.get("points", "")) if p]
    if points:
        put("points", _lined(row, points))
    put("prompt", cells["prompt"])
    choices = [c for c in _split(cells["choices"]) if c] if cells["choices"].strip() else []
    labels: list[object] = list(LETTERS[: len(choices)])
    answer: object = cells["answer"].strip().lower()
    if qtype == "truefalse":
        labels = [True, False]
        answer = {"true": True, "false": False}.get(str(answer), answer)
        if [c.lower() for c in choices] in ([], ["true", "false"]):
            choices = []
    if choices or qtype != "truefalse":
        put("choices", _lined(row, choices))
    put("answer", answer)
    put("explanation", cells["explanation"])
    put("rationales", _rationales(cells.get("rationales", ""), labels, answer, row))
    return node


def _lined(row: int, items: Sequence[object]) -> LinedList:
    lined = LinedList(row)
    lined.extend(items)
    lined.item_lines = [row] * len(items)
    return lined


def _rationales(cell: str, labels: list[object], answer: object, row: int) -> LinedDict:
    """Map the `|`-separated rationales to choices: one per choice, or one per wrong choice."""
    parts = _split(cell) if cell.strip() else []
    wrong = [label for label in labels if label != answer]
    keys = labels if len(parts) == len(labels) else wrong if len(parts) == len(wrong) else []
    rationales = LinedDict(row)
    for key, text in zip(keys, parts, strict=False):
        if text:
            rationales[key], rationales.key_lines[key] = text, row
    if parts and not keys:
        # A count that fits neither reading: pass them on so the rules name the surplus.
        for i, text in enumerate(parts):
            key = LETTERS[i] if i < len(LETTERS) else str(i + 1)
            rationales[key], rationales.key_lines[key] = text, row
    return rationales


def read_csv(csv_path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The data rows with their spreadsheet row numbers (the header is row 1), or errors."""
    try:
        text = csv_path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [f"{csv_path}: cannot read: {exc.strerror}"]
    except UnicodeDecodeError:
        return [], [f"{csv_path}: not UTF-8 text (save the spreadsheet as CSV UTF-8)"]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[str] = []
    row = 0
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        row = 1
        unknown = [name for name in header if name and name not in CSV_COLUMNS]
        missing = [name for name in CSV_REQUIRED if name not in header]
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        for problem, names in (("unknown", unknown), ("missing", missing), ("repeated", repeated)):
            if names:
                errors.append(f"{csv_path}:row 1: {problem} columns: {', '.join(names)}")
        if errors:
            return [], errors
        for row, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            unnamed = [c for name, c in zip(header, cells, strict=False) if not name]
            if extra or any(cell.strip() for cell in unnamed):
                errors.append(f"{csv_path}:row {row}: a value outside the named columns")
                continue
            padded = cells[: len(header)] + [""] * (len(header) - len(cells))
            rows.append(
                (row, {name: cell for name, cell in zip(header, padded, strict=True) if name})
            )
    except csv.Error as exc:
        errors.append(f"{csv_path}:row {row + 1}: not valid CSV: {exc}")
    return rows, errors


def question_mapping(question: Question) -> dict[str, object]:
    """A question as the mapping a pack holds (the inverse of loading it)."""
    mapping: dict[str, object] = {
        "id": question.id,
        "concept": question.concept,
        "type": question.type,
        "difficulty": question.difficulty,
        "tags": list(question.tags),
        "prompt": question.prompt,
    }
    if question.type == "truefalse":
        mapping["answer"] = question.answer == 0
        keys: Sequence[object] = (True, False)
    else:
        mapping["choices"] = list(question.choices)
        mapping["answer"] = question.answer_letter
        keys = LETTERS
    rationales = {keys[i]: text for i, text in enumerate(question.rationales) if text is not None}
    mapping["explanation"] = question.explanation
    mapping["rationales"] = rationales
    if question.points:
        mapping["points"] = list(question.points)
    return mapping


def _concept_mapping(concept: Concept) -> dict[str, object]:
    mapping: dict[str, object] = {"id": concept.id, "title": concept.title}
    if concept.points:
        mapping["points"] = [{"id": p.id, "text": p.text} for p in concept.points]
    return mapping


def pack_yaml(
    questions: Sequence[Question], concepts: Sequence[Concept] = (), note: str = ""
) -> str:
    """A pack file holding these questions (and concept declarations)."""
    document: dict[str, object] = {}
    if concepts:
        document["concepts"] = [_concept_mapping(c) for c in concepts]
    document["questions"] = [question_mapping(q) for q in questions]
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000_000)
    return (f"# {note}\n" if note else "") + body


def pack_to_csv(questions: Sequence[Question]) -> str:
    """The questions as a spreadsheet in the import format (one concept's worth)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for q in questions:
        cells = [*q.choices, *(r or "" for r in q.rationales), *q.tags]
        if any("|" in cell for cell in cells):
            raise ValueError(f"question '{q.id}' has a '|' in a choice or rationale")
        writer.writerow(
            [
                q.id,
                q.type,
                q.prompt,
                SEPARATOR.join(q.choices) if q.type == "single" else "",
                q.answer_letter if q.type == "single" else str(q.answer == 0).lower(),
                q.explanation,
                SEPARATOR.join(r or "" for r in q.rationales),
                q.difficulty,
                " ".join(q.tags),
                " ".join(q.points),
            ]
        )
    return buffer.getvalue()
