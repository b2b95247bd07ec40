"""Loading question packs from YAML into a QuestionBank, reporting every problem.

Parsing keeps the line of every mapping, key and list item so that a problem
reads `path:line: question-id: message`. The per-question rules live in
bot/core/pack_rules.py; this module reads files and applies the rules across packs
(ids, near duplicates). What start-up does with bad packs, and the cache of the
checked shipped bank, live in bot/core/pack_bank.py; the rules for the shipped
bank as a whole in bot/core/bank_rules.py.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.bank_rules import BankReport, bank_report, bank_rule_problems
from bot.core.pack_bank import BankCache, InvalidShippedPack, load_bank
from bot.core.pack_files import pack_files, read_pack_file
from bot.core.pack_rules import CheckedQuestion, Problem, check_question, read_pack
from bot.core.pack_yaml import MAX_LOADED_QUESTIONS, MAX_PACK_QUESTIONS, parse_pack
from bot.core.questions import Concept, Question, QuestionBank
from bot.core.similarity import near_duplicates

__all__ = [
    "BankCache",
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


@dataclass(frozen=True)
class LoadResult:
    """The valid questions of some packs, every problem found, and the files read."""

    bank: QuestionBank
    problems: tuple[Problem, ...]
    files: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


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
    loaded = 0
    for file in files:
        path = str(file)
        raw, read_problem = read_pack_file(file)
        if raw is None:
            problems.append(read_problem or Problem(path, 0, None, "cannot read"))
            continue
        data, file_problems = parse_pack(path, raw)
        problems.extend(file_problems)
        if file_problems:
            continue
        file_concepts, file_nodes, file_problems = read_pack(path, data)
        problems.extend(file_problems)
        count_problem = _count_problem(path, len(file_nodes), loaded)
        if count_problem is not None:
            problems.append(count_problem)
            continue
        loaded += len(file_nodes)
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


def _count_problem(path: str, count: int, loaded: int) -> Problem | None:
    """A pack with too many questions, alone or on top of the packs loaded before it."""
    if count > MAX_PACK_QUESTIONS:
        message = f"too many questions: {count:,} (limit {MAX_PACK_QUESTIONS:,} per pack); split it"
        return Problem(path, 1, None, message)
    if loaded + count > MAX_LOADED_QUESTIONS:
        message = (
            f"pack not loaded: with it the packs would hold {loaded + count:,} questions"
            f" (limit {MAX_LOADED_QUESTIONS:,} in all)"
        )
        return Problem(path, 1, None, message)
    return None


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
