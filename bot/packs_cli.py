"""`studybot questions check|list|import|export-csv`: question packs from a terminal.

bot/cli.py mounts these with add_questions_parser(); `python -m bot.packs_cli`
runs them alone. Every command returns an exit code and never shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import yaml

from bot.config import SHIPPED_QUESTIONS
from bot.core.pack_rules import TYPES, LinedDict, LinedList
from bot.core.packs import (
    LoadResult,
    Problem,
    bank_report,
    bank_rule_problems,
    check_questions,
    load_packs,
    pack_files,
)
from bot.core.questions import LETTERS, Concept, Question, QuestionBank

log = logging.getLogger(__name__)

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
)
CSV_REQUIRED = ("prompt", "choices", "answer", "explanation")
SEPARATOR = " | "
DEFAULT_DIFFICULTY = 2


# --- check and list -------------------------------------------------------------------


def _resolved(paths: Sequence[Path]) -> set[Path]:
    files, _ = pack_files(paths)
    return {f.resolve() for f in files}


def _context_bank(shipped_dir: Path, exclude: set[Path]) -> QuestionBank | None:
    """The shipped packs not being checked, so other packs may use their concepts."""
    files, _ = pack_files([shipped_dir])
    rest = [f for f in files if f.resolve() not in exclude]
    return load_packs(rest).bank if rest else None


def _load(paths: Sequence[Path], shipped_dir: Path) -> tuple[LoadResult, bool]:
    """Load the packs named (the shipped folder when none), and whether that is the shipped bank."""
    targets = list(paths) or [shipped_dir]
    has_shipped = any(p.resolve() == shipped_dir.resolve() for p in targets)
    base = None if has_shipped else _context_bank(shipped_dir, _resolved(targets))
    return load_packs(targets, base=base), has_shipped


def _line(problem: Problem) -> str:
    return str(problem) if problem.severity == "error" else f"{problem} (warning)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _print_report(bank: QuestionBank, out: TextIO) -> None:
    report = bank_report(bank)
    total = report.total
    print(f"Shipped bank: {total} questions", file=out)
    width = max((len(c) for c in report.per_concept), default=10)
    for concept, count in report.per_concept.items():
        print(f"  {concept:<{width}}  {count:>4}", file=out)
    mix = ", ".join(f"{t} {n} ({_percent(n, total)})" for t, n in report.per_type.items())
    print(f"  types: {mix}", file=out)
    print(
        f"  scenario: {report.scenario} of {total} ({_percent(report.scenario, total)})", file=out
    )
    spread = ", ".join(f"{d}: {n} ({_percent(n, total)})" for d, n in report.per_difficulty.items())
    print(f"  difficulty: {spread}", file=out)
    shares = ", ".join(
        f"{letter} {_percent(n, report.four_option)}" for letter, n in report.answer_letters.items()
    )
    print(f"  right answer among {report.four_option} four-option questions: {shares}", file=out)


def check(paths: Sequence[Path], shipped_dir: Path, out: TextIO) -> int:
    """Validate packs (the shipped folder when none) and print one line per problem."""
    result, has_shipped = _load(paths, shipped_dir)
    problems = list(result.problems)
    for problem in problems:
        print(_line(problem), file=out)
    if has_shipped:
        shipped = result if not paths or len(paths) == 1 else load_packs([shipped_dir])
        report = bank_report(shipped.bank)
        rule_problems = bank_rule_problems(report, shipped.bank.concepts, where=str(shipped_dir))
        for problem in rule_problems:
            print(_line(problem), file=out)
        problems.extend(rule_problems)
        _print_report(shipped.bank, out)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    verdict = _plural(errors, "problem") if errors else "OK"
    if warnings:
        verdict += f" ({_plural(warnings, 'warning')})"
    loaded = (
        f"{_plural(len(result.bank.questions), 'question')} in {_plural(len(result.files), 'file')}"
    )
    print(f"{loaded}: {verdict}", file=out)
    return 1 if errors else 0


def list_counts(
    paths: Sequence[Path], shipped_dir: Path, out: TextIO, concept: str | None = None
) -> int:
    """Print how many questions each concept has, per type."""
    result, _ = _load(paths, shipped_dir)
    bank = result.bank
    rows = list(dict.fromkeys([c.id for c in bank.concepts] + [q.concept for q in bank.questions]))
    if concept is not None:
        if concept not in rows:
            print(f"unknown concept '{concept}'; known: {', '.join(rows)}", file=sys.stderr)
            return 1
        rows = [concept]
    counts = Counter((q.concept, q.type) for q in bank.questions)
    scenario = Counter(q.concept for q in bank.questions if q.scenario)
    width = max([len("concept"), *map(len, rows)])
    columns = [*TYPES, "scenario", "total"]
    print(f"{'concept':<{width}}" + "".join(f"  {c:>9}" for c in columns), file=out)
    totals = Counter[str]()
    for row in rows:
        cells = [counts[row, t] for t in TYPES]
        cells += [scenario[row], sum(cells)]
        totals.update(dict(zip(columns, cells, strict=True)))
        print(f"{row:<{width}}" + "".join(f"  {n:>9}" for n in cells), file=out)
    print(f"{'total':<{width}}" + "".join(f"  {totals[c]:>9}" for c in columns), file=out)
    errors = sum(p.severity == "error" for p in result.problems)
    if errors:
        print(
            f"{errors} problems left questions out; see `studybot questions check`", file=sys.stderr
        )
        return 1
    return 0


# --- CSV import and export ------------------------------------------------------------


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


def _row_node(cells: dict[str, str], row: int, concept: str, taken: set[str]) -> LinedDict:
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


def _read_csv(csv_path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
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
    return mapping


def pack_yaml(
    questions: Sequence[Question], concepts: Sequence[Concept] = (), note: str = ""
) -> str:
    """A pack file holding these questions (and concept declarations)."""
    document: dict[str, object] = {}
    if concepts:
        document["concepts"] = [{"id": c.id, "title": c.title} for c in concepts]
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
            ]
        )
    return buffer.getvalue()


def import_csv(
    csv_path: Path,
    concept: str,
    out_path: Path,
    shipped_dir: Path,
    out: TextIO,
    *,
    title: str | None = None,
    force: bool = False,
) -> int:
    """Convert a spreadsheet of questions into a pack; any bad row means no pack is written."""
    if out_path.exists() and not force:
        print(f"{out_path} exists; pass --force to replace it", file=out)
        return 1
    context = _context_bank(shipped_dir, {out_path.resolve()}) or QuestionBank((), ())
    known = context.concept_ids()
    if title is None and concept not in known:
        message = f"unknown concept '{concept}' (known: {', '.join(known)})"
        print(f"{message}; pass --title to declare it in the new pack", file=out)
        return 1
    if title is not None and concept in known:
        print(f"concept '{concept}' is already declared; drop --title", file=out)
        return 1
    rows, errors = _read_csv(csv_path)
    for error in errors:
        print(error, file=out)
    if errors:
        return 1
    if not rows:
        print(f"{csv_path}: no question rows under the header", file=out)
        return 1
    taken = {q.id for q in context.questions} | {cells.get("id", "").strip() for _, cells in rows}
    nodes = [(str(csv_path), _row_node(cells, row, concept, taken), row) for row, cells in rows]
    questions, problems = check_questions(nodes, [*known, concept], context)
    for problem in problems:
        print(f"{csv_path}:row {problem.line}: {problem.message}", file=out)
    if problems:
        print(f"{len(problems)} problems; no pack written", file=out)
        return 1
    concepts = [Concept(concept, title)] if title is not None else []
    note = f"Imported from {csv_path.name} by `studybot questions import`."
    out_path.write_text(pack_yaml(questions, concepts, note), encoding="utf-8")
    print(f"{len(questions)} questions written to {out_path}", file=out)
    return 0


def export_csv(
    paths: Sequence[Path], shipped_dir: Path, out: TextIO, concept: str | None = None
) -> int:
    """Write the questions of packs as a CSV in the import format."""
    result, _ = _load(paths, shipped_dir)
    for problem in result.problems:
        print(_line(problem), file=sys.stderr)
    if not result.ok:
        return 1
    try:
        out.write(pack_to_csv(result.bank.in_concept(concept)))
    except ValueError as exc:
        print(f"cannot export: {exc}", file=sys.stderr)
        return 1
    return 0


# --- argparse -------------------------------------------------------------------------


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn anything unexpected into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except KeyboardInterrupt:
            print("studybot: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader (`| head`) went away; keep Python from complaining at exit.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except Exception as exc:
            log.debug("questions command failed", exc_info=True)
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            print(f"studybot: unexpected error: {detail}", file=sys.stderr)
            return 2

    return run


def _check(args: argparse.Namespace) -> int:
    return check(args.paths, args.shipped, sys.stdout)


def _list(args: argparse.Namespace) -> int:
    return list_counts(args.paths, args.shipped, sys.stdout, concept=args.concept)


def _import(args: argparse.Namespace) -> int:
    return import_csv(
        args.csv,
        args.concept,
        args.out,
        args.shipped,
        sys.stdout,
        title=args.title,
        force=args.force,
    )


def _export(args: argparse.Namespace) -> int:
    if args.out is None:
        return export_csv(args.paths, args.shipped, sys.stdout, concept=args.concept)
    buffer = io.StringIO()
    status = export_csv(args.paths, args.shipped, buffer, concept=args.concept)
    if status == 0:  # no half-written file on failure
        args.out.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return status


def add_questions_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `questions check|list|import|export-csv` to a CLI's subcommands."""
    parser = subparsers.add_parser("questions", help="check, count and import question packs")
    commands = parser.add_subparsers(dest="questions_command", metavar="COMMAND", required=True)

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--shipped",
            type=Path,
            default=SHIPPED_QUESTIONS,
            metavar="DIR",
            help="the shipped pack folder (default: the bot's questions/)",
        )
        sub.set_defaults(func=_guarded(handler))
        return sub

    paths_help = "pack files or folders (default: the shipped folder)"
    sub = add("check", _check, "validate packs; one line per problem")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub = add("list", _list, "count questions per concept and type")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub.add_argument("--concept", help="only this concept")
    sub = add("import", _import, "convert a CSV of questions into a pack")
    sub.add_argument("csv", type=Path, metavar="FILE.csv")
    sub.add_argument("--concept", required=True, help="the concept every row belongs to")
    sub.add_argument("--out", type=Path, required=True, metavar="PACK.yaml")
    sub.add_argument("--title", help="declare --concept in the new pack with this title")
    sub.add_argument("--force", action="store_true", help="replace --out if it exists")
    sub = add("export-csv", _export, "write packs as a CSV in the import format")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=paths_help)
    sub.add_argument("--concept", help="only this concept")
    sub.add_argument("--out", type=Path, metavar="FILE.csv", help="default: standard output")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studybot")
    add_questions_parser(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
