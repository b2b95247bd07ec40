"""`studybot questions check|report|list|import|export-csv`: question packs from a terminal.

bot/cli.py mounts these with add_questions_parser() (bot/pack_args.py, which imports
this module only when a command runs); `python -m bot.packs_cli` runs them alone.
Every command returns an exit code and never shows a traceback.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.core.bank_rules import bank_report, bank_rule_problems
from bot.core.pack_files import same_file_key
from bot.core.pack_rules import TYPES
from bot.core.packs import LoadResult, Problem, check_questions, load_packs, pack_files
from bot.core.questions import Concept, QuestionBank
from bot.pack_args import add_questions_parser
from bot.pack_csv import pack_to_csv, pack_yaml, read_csv, row_node
from bot.pack_report import points_markdown, print_report, replace_section

# --- check and list -------------------------------------------------------------------


def _resolved(paths: Sequence[Path]) -> set[object]:
    """What identifies the files behind these paths (see same_file_key)."""
    files, _ = pack_files(paths)
    return {same_file_key(f) for f in files}


def _context_bank(shipped_dir: Path, exclude: set[object]) -> QuestionBank | None:
    """The shipped packs not being checked, so other packs may use their concepts."""
    files, _ = pack_files([shipped_dir])
    rest = [f for f in files if same_file_key(f) not in exclude]
    return load_packs(rest).bank if rest else None


def _load(paths: Sequence[Path], shipped_dir: Path) -> tuple[LoadResult, bool]:
    """Load the packs named (the shipped folder when none), and whether that is the shipped bank."""
    targets = list(paths) or [shipped_dir]
    shipped = same_file_key(shipped_dir)
    has_shipped = any(same_file_key(p) == shipped for p in targets)
    base = None if has_shipped else _context_bank(shipped_dir, _resolved(targets))
    return load_packs(targets, base=base), has_shipped


def _line(problem: Problem) -> str:
    return str(problem) if problem.severity == "error" else f"{problem} (warning)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def check(paths: Sequence[Path], shipped_dir: Path, out: TextIO) -> int:
    """Validate packs (the shipped folder when none) and print one line per problem."""
    result, has_shipped = _load(paths, shipped_dir)
    problems = list(result.problems)
    for problem in problems:
        print(_line(problem), file=out)
    if has_shipped:
        shipped = result if not paths or len(paths) == 1 else load_packs([shipped_dir])
        report = bank_report(shipped.bank)
        rule_problems = bank_rule_problems(report, where=str(shipped_dir))
        for problem in rule_problems:
            print(_line(problem), file=out)
        problems.extend(rule_problems)
        print_report(report, out)
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


def report(
    paths: Sequence[Path],
    shipped_dir: Path,
    out: TextIO,
    *,
    markdown: bool = False,
    readme: Path | None = None,
) -> int:
    """Print the bank report, or the syllabus-point table as Markdown (into README with readme)."""
    result, has_shipped = _load(paths, shipped_dir)
    for problem in result.problems:
        print(_line(problem), file=sys.stderr)
    if not result.ok:
        print("the packs have problems; see `studybot questions check`", file=sys.stderr)
        return 1
    bank = result.bank
    if not has_shipped:  # other packs are measured against the shipped syllabus they use
        context = _context_bank(shipped_dir, _resolved(paths)) or QuestionBank((), ())
        bank = QuestionBank(context.concepts + bank.concepts, bank.questions)
    bank_data = bank_report(bank)
    if readme is not None:
        document = readme.read_text(encoding="utf-8")
        updated = replace_section(document, points_markdown(bank_data))
        if updated is None:
            print(f"{readme}: no syllabus-point section markers to replace", file=out)
            return 1
        readme.write_text(updated, encoding="utf-8")
        print(f"{readme}: syllabus-point table updated", file=out)
    elif markdown:
        out.write(points_markdown(bank_data))
    else:
        print_report(bank_data, out, "Shipped bank" if has_shipped else "Packs")
    return 0


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
    context = _context_bank(shipped_dir, {same_file_key(out_path)}) or QuestionBank((), ())
    known = context.concept_ids()
    if title is None and concept not in known:
        message = f"unknown concept '{concept}' (known: {', '.join(known)})"
        print(f"{message}; pass --title to declare it in the new pack", file=out)
        return 1
    if title is not None and concept in known:
        print(f"concept '{concept}' is already declared; drop --title", file=out)
        return 1
    rows, errors = read_csv(csv_path)
    for error in errors:
        print(error, file=out)
    if errors:
        return 1
    if not rows:
        print(f"{csv_path}: no question rows under the header", file=out)
        return 1
    taken = {q.id for q in context.questions} | {cells.get("id", "").strip() for _, cells in rows}
    nodes = [(str(csv_path), row_node(cells, row, concept, taken), row) for row, cells in rows]
    questions, problems = check_questions(nodes, [*known, concept], context, context.point_ids())
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


def _check(args: argparse.Namespace) -> int:
    return check(args.paths, args.shipped, sys.stdout)


def _report(args: argparse.Namespace) -> int:
    return report(args.paths, args.shipped, sys.stdout, markdown=args.markdown, readme=args.readme)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studybot")
    add_questions_parser(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
