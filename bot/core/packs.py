"""Loading question packs from YAML into a QuestionBank, reporting every problem.

Parsing keeps the line of every mapping, key and list item so that a problem
reads `path:line: question-id: message`. The per-question rules live in
bot/core/pack_rules.py; this module reads files, applies the rules across packs
(ids, near duplicates) and decides what start-up does with bad packs. The rules
for the shipped bank as a whole live in bot/core/bank_rules.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from bot.core.bank_rules import BankReport, bank_report, bank_rule_problems
from bot.core.errors import StudyError
from bot.core.pack_rules import (
    CheckedQuestion,
    LinedDict,
    LinedList,
    Problem,
    check_question,
    read_pack,
)
from bot.core.questions import Concept, Question, QuestionBank
from bot.core.similarity import near_duplicates

__all__ = [
    "BankReport",
    "InvalidShippedPack",
    "LoadResult",
    "Problem",
    "bank_report",
    "bank_rule_problems",
    "check_questions",
    "load_bank",
    "load_packs",
    "pack_files",
]

PACK_SUFFIXES = (".yaml", ".yml")


class InvalidShippedPack(StudyError):
    """A pack shipped with the bot is broken: refuse to start rather than drill bad data."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        super().__init__(f"The shipped question packs have {count}:\n{lines}")


@dataclass(frozen=True)
class LoadResult:
    """The valid questions of some packs, every problem found, and the files read."""

    bank: QuestionBank
    problems: tuple[Problem, ...]
    files: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings and lists remember their lines (1-based).

    Booleans follow YAML 1.2 (only true/false), so a choice spelled `No` or
    `on` stays text instead of silently becoming a boolean. It stays on the
    pure-Python parser: libyaml's (CSafeLoader) is faster but crashes the whole
    process on deeply nested input, and one bad user file must not do that.
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


def _parse(path: str, raw: bytes) -> tuple[object, list[Problem]]:
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
        data = yaml.load(text, Loader=_LineLoader)
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
        # on explicitly tagged nonsense (`!!bool maybe`, `!!timestamp x`), and
        # RecursionError on absurd nesting; all of it is a bad file, not a bug here.
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None, [Problem(path, 1, None, f"YAML value cannot be read ({detail})")]
    if data is None:
        return None, [Problem(path, 1, None, "empty file (no YAML document)")]
    return data, []


def pack_files(dirs_or_files: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The pack files named by the arguments: each folder's *.yaml/*.yml, sorted."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in dirs_or_files:
        if path.is_dir():
            try:
                found = sorted(
                    f for f in path.iterdir() if f.suffix in PACK_SUFFIXES and f.is_file()
                )
            except OSError as exc:
                problems.append(Problem(str(path), 0, None, f"cannot read: {exc.strerror}"))
                continue
            if not found:
                problems.append(Problem(str(path), 0, None, "no *.yaml packs in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, None, "no such file or folder"))
    unique: list[Path] = []
    seen: set[Path] = set()
    for file in files:  # a file named twice (or via two paths) loads once
        if file.resolve() not in seen:
            seen.add(file.resolve())
            unique.append(file)
    return unique, problems


def load_packs(dirs_or_files: Sequence[Path], *, base: QuestionBank | None = None) -> LoadResult:
    """Load and validate packs; invalid questions are reported and left out.

    `base` is the shipped bank when loading extra packs: its concepts may be
    used but not declared again, and a question reusing one of its ids is
    skipped with a warning, as at start-up.
    """
    files, problems = pack_files(dirs_or_files)
    base = base or QuestionBank((), ())
    parsed: list[tuple[str, list[tuple[object, int]]]] = []
    declared = {c.id: "the shipped packs" for c in base.concepts}
    points = {point: "the shipped packs" for point in base.point_ids()}
    concepts: list[Concept] = []
    for file in files:
        path = str(file)
        try:
            raw = file.read_bytes()
        except OSError as exc:
            problems.append(Problem(path, 0, None, f"cannot read: {exc.strerror}"))
            continue
        data, file_problems = _parse(path, raw)
        problems.extend(file_problems)
        if file_problems:
            continue
        file_concepts, file_nodes, file_problems = read_pack(path, data)
        problems.extend(file_problems)
        for concept, line in file_concepts:
            if concept.id in declared:
                message = f"concept '{concept.id}' is already declared by {declared[concept.id]}"
                problems.append(Problem(path, line, None, message))
            else:
                declared[concept.id] = f"{path}:{line}"
                concepts.append(_unique_points(concept, path, line, points, problems))
        parsed.append((path, file_nodes))

    nodes = [(path, node, line) for path, file_nodes in parsed for node, line in file_nodes]
    questions, question_problems = check_questions(nodes, declared.keys(), base, points.keys())
    problems.extend(question_problems)
    order = {str(f): i for i, f in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.path, -1), p.line))
    return LoadResult(
        QuestionBank(tuple(concepts), questions), tuple(problems), tuple(map(str, files))
    )


def _unique_points(
    concept: Concept, path: str, line: int, declared: dict[str, str], problems: list[Problem]
) -> Concept:
    """The concept without points another concept already declared (each reported)."""
    kept = []
    for point in concept.points:
        if point.id in declared:
            message = f"syllabus point '{point.id}' is already declared by {declared[point.id]}"
            problems.append(Problem(path, line, None, message))
        else:
            declared[point.id] = f"concept '{concept.id}' ({path}:{line})"
            kept.append(point)
    return concept if len(kept) == len(concept.points) else replace(concept, points=tuple(kept))


def check_questions(
    nodes: Sequence[tuple[str, object, int]],
    concepts: Collection[str],
    base: QuestionBank | None = None,
    points: Collection[str] | None = None,
) -> tuple[tuple[Question, ...], list[Problem]]:
    """Check question nodes (path, node, line) one by one and against each other.

    Returns the valid questions and every problem: the per-question rules, then
    repeated ids and near-duplicate prompts, where the later copy is reported
    and left out. An id already in `base` is a warning and the question is skipped.
    `points` are the syllabus point ids questions may name (default: those of `base`).
    """
    known = frozenset(points if points is not None else (base.point_ids() if base else ()))
    checked = [check_question(path, node, line, concepts, known) for path, node, line in nodes]
    problems = [problem for item in checked for problem in item.problems]
    rejected = _cross_question_problems(checked, base or QuestionBank((), ()), problems)
    questions = tuple(
        item.question
        for i, item in enumerate(checked)
        if item.question is not None and i not in rejected
    )
    return questions, problems


def _cross_question_problems(
    checked: Sequence[CheckedQuestion], base: QuestionBank, problems: list[Problem]
) -> set[int]:
    """Report repeated ids and near-duplicate prompts; the indexes of the later copies."""
    rejected: set[int] = set()
    first_seen: dict[str, CheckedQuestion] = {}
    for i, item in enumerate(checked):
        qid = item.question_id
        if qid is None:
            continue
        known = base.get(qid)
        if known is not None:
            message = f"id '{qid}' is already used by {known.source}; skipped"
            problems.append(Problem(item.path, item.id_line, qid, message, "warning"))
            rejected.add(i)
        elif qid in first_seen:
            first = first_seen[qid]
            message = f"duplicate id '{qid}' (first defined at {first.path}:{first.id_line})"
            problems.append(Problem(item.path, item.id_line, qid, message))
            rejected.add(i)
        else:
            first_seen[qid] = item
    with_prompt = [(i, item.prompt) for i, item in enumerate(checked) if item.prompt is not None]
    for later, earlier, ratio in near_duplicates([prompt for _, prompt in with_prompt]):
        index = with_prompt[later][0]
        item, first = checked[index], checked[with_prompt[earlier][0]]
        message = (
            f"prompt nearly duplicates '{first.question_id or '-'}' at {first.path}:{first.line}"
            f" (similarity {ratio:.2f})"
        )
        problems.append(Problem(item.path, item.line, item.question_id, message))
        rejected.add(index)
    return rejected


def load_bank(shipped: Path, extra: Sequence[Path]) -> tuple[QuestionBank, list[Problem]]:
    """The bank the bot starts with: shipped packs must be valid, bad extra packs are skipped.

    Raises InvalidShippedPack when a shipped pack has any error. An extra pack
    file with an error is left out whole and named in a warning; an extra
    question whose id the shipped bank already uses is skipped with a warning.
    """
    shipped_result = load_packs([shipped])
    if not shipped_result.ok:
        raise InvalidShippedPack([p for p in shipped_result.problems if p.severity == "error"])
    bank = shipped_result.bank
    shipped_files = {Path(f).resolve() for f in shipped_result.files}
    files, path_problems = pack_files(extra)
    warnings = [replace(p, severity="warning") for p in path_problems]
    accepted = [f for f in files if f.resolve() not in shipped_files]
    # Dropping one file can break another (it declared a concept the other uses),
    # so load again until every remaining file is clean.
    while accepted:
        result = load_packs(accepted, base=bank)
        failed = {p.path for p in result.problems if p.severity == "error"}
        remaining = [f for f in accepted if str(f) not in failed]
        if len(remaining) == len(accepted):
            warnings.extend(result.problems)
            bank = QuestionBank(
                bank.concepts + result.bank.concepts, bank.questions + result.bank.questions
            )
            break
        for path in sorted(failed):
            errors = [p for p in result.problems if p.path == path and p.severity == "error"]
            count = f"{len(errors)} problem{'s' * (len(errors) != 1)}"
            message = f"pack skipped: {count} (run `studybot questions check`)"
            warnings.append(Problem(path, 0, None, message, "warning"))
            warnings.extend(replace(p, severity="warning") for p in errors)
        accepted = remaining
    return bank, warnings
