"""`studybot questions check|list|import`: what a pack author sees in the terminal."""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import bot.packs_cli
from bot.config import SHIPPED_QUESTIONS
from bot.core.packs import load_packs
from bot.core.questions import Concept, Question
from bot.pack_csv import pack_to_csv, pack_yaml
from bot.pack_report import END, START
from bot.packs_cli import check, import_csv, list_counts, main

REPO = Path(__file__).resolve().parents[1]
CONCEPTS = (
    "concepts:\n  - id: adapt.rag\n    title: RAG\n  - id: adapt.prompting\n    title: Prompts\n"
)

GOOD = """\
questions:
  - id: rag-current-policy
    concept: adapt.rag
    type: single
    difficulty: 2
    tags: [scenario, choose-approach]
    prompt: An HR team rewrites its leave policy often. What should its assistant use?
    choices:
      - Fine-tune a model on the policy each quarter
      - Ground a pretrained model on the policy documents with retrieval
      - Train a new language model from scratch on HR data
    answer: b
    explanation: Retrieval hands the model the current documents at question time.
    rationales:
      a: Sounds thorough, but the model would be stale between runs.
      c: Far too costly; training from scratch is almost never the answer.
  - id: rag-changes-weights
    concept: adapt.rag
    type: truefalse
    difficulty: 1
    tags: [rag-basics]
    prompt: Retrieval-augmented generation updates the model's weights.
    answer: false
    explanation: RAG only adds retrieved text to the prompt; the model is unchanged.
    rationales:
      true: Retrieval does feed the model new data, but only in the prompt.
  - id: prompt-five-options
    concept: adapt.prompting
    type: single
    difficulty: 3
    tags: []
    prompt: "Which change to a prompt most reliably fixes the output format: yes, the format?"
    choices:
      - Show one example of the exact format wanted
      - Ask the model to try harder
      - Raise the temperature
      - Shorten the question to five words
      - "No"
    answer: a
    explanation: |-
      An example shows the model precisely what to produce.
      Vague encouragement does not.
    rationales:
      b: Effort is not the problem; the model lacks a target.
      c: Temperature adds variety, the opposite of a fixed format.
      d: Brevity removes the very detail the model needs.
      e: Declining to change anything leaves the format broken.
"""

BAD = """\
questions:
  - id: rag-fine
    concept: adapt.rag
    type: single
    difficulty: 2
    tags: [scenario]
    prompt: Which approach keeps a chatbot's answers in step with this morning's price list?
    choices: [Retrieval, Fine-tuning, Training from scratch]
    answer: a
    explanation: Retrieval reads the current list at question time.
    rationales: {b: Stale between runs., c: Far too costly.}
  - id: rag-wrong-answer
    concept: adapt.rag
    type: single
    difficulty: 2
    tags: [scenario]
    prompt: What does grounding add to a pretrained model's answers?
    choices: [Sources it can quote, New weights, A larger context window]
    answer: e
    explanation: Grounding supplies documents the answer can be traced to.
    rationales: {b: Nothing is retrained., c: The window is unchanged.}
  - id: rag-unknown-concept
    concept: adapt.rga
    type: truefalse
    difficulty: 1
    tags: []
    prompt: A grounded model must be retrained whenever a document changes.
    answer: false
    explanation: Updating the document store is enough.
    rationales: {true: Retraining sounds thorough but is unnecessary.}
"""


def folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


VOCABULARY = """
    retrieval grounding prompt model weights tuning dataset policy latency budget vendor
    privacy audit label epoch token context window summary invoice ticket contract chatbot
    catalog pricing support manual regulator clinic bank retailer insurer school archive
    forecast image speech translation review compliance bias drift upgrade rollout pilot
    customer analyst lawyer nurse engineer teacher farmer courier baker pharmacist
"""
WORDS = VOCABULARY.split()


SYLLABUS = """\
concepts:
  - id: adapt.rag
    title: RAG
    points:
      - {id: rag.current-info, text: Retrieval serves information that changes often}
      - {id: rag.no-weight-change, text: Retrieval changes no weights}
  - id: adapt.prompting
    title: Prompts
    points:
      - {id: prompting.examples, text: Examples in the prompt show the format}
      - {id: prompting.no-weight-change, text: Prompting changes no weights}
"""
POINTS = {
    "adapt.rag": ("rag.current-info", "rag.no-weight-change"),
    "adapt.prompting": ("prompting.examples", "prompting.no-weight-change"),
}


def synthetic_question(n: int, concept: str, rng: random.Random) -> Question:
    truefalse = n % 10 == 0
    answer = n // 10 % 2 if truefalse else n % 4
    choices = ("True", "False") if truefalse else tuple(f"Option {c} of {n}" for c in "wxyz")
    return Question(
        id=f"{concept.replace('.', '-')}-{n}",
        concept=concept,
        type="truefalse" if truefalse else "single",
        prompt=" ".join(rng.sample(WORDS, 9)).capitalize() + "?",
        choices=choices,
        answer=answer,
        explanation=f"Explanation {n}.",
        rationales=tuple(None if i == answer else f"Wrong {i}." for i in range(len(choices))),
        difficulty=1 + n % 3,
        tags=("scenario",) if n % 2 else ("recall",),
        points=(POINTS[concept][n // 2 % 2],) if concept in POINTS else (),
    )


def shipped_bank(path: Path, per_concept: int) -> Path:
    """A shipped folder whose two concepts have per_concept questions each, balanced otherwise."""
    rng = random.Random(5)
    files = {"syllabus.yaml": SYLLABUS}
    for concept in ("adapt.rag", "adapt.prompting"):
        questions = [synthetic_question(n, concept, rng) for n in range(per_concept)]
        files[f"{concept}.yaml"] = pack_yaml(questions)
    return folder(path, files)


def test_check_prints_one_line_per_problem_and_exits_1(tmp_path: Path, capsys) -> None:
    """A bad folder gives file:line: id: message lines, a problem count, and exit code 1."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "bad.yaml": BAD})
    code = check([packs], tmp_path / "no-shipped", sys.stdout)
    bad = packs / "bad.yaml"
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}:{line_of(BAD, 'answer: e')}: rag-wrong-answer: "
        "answer 'e' is not among the choices (a-c)",
        f"{bad}:{line_of(BAD, 'adapt.rga')}: rag-unknown-concept: "
        "unknown concept 'adapt.rga' (did you mean 'adapt.rag'?)",
        "1 question in 2 files: 2 problems",
    ]
    assert code == 1


def test_check_passes_a_good_folder_with_exit_0(tmp_path: Path, capsys) -> None:
    """A valid folder prints only the summary and exits 0."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "good.yaml": GOOD})
    assert check([packs], tmp_path / "no-shipped", sys.stdout) == 0
    assert capsys.readouterr().out.splitlines() == ["3 questions in 2 files: OK"]


def test_check_lets_an_extra_pack_use_shipped_concepts(tmp_path: Path, capsys) -> None:
    """A pack checked on its own may use the concepts the shipped syllabus declares."""
    pack = folder(tmp_path, {"good.yaml": GOOD}) / "good.yaml"
    assert check([pack], SHIPPED_QUESTIONS, sys.stdout) == 0
    assert capsys.readouterr().out.splitlines() == ["3 questions in 1 file: OK"]


def test_check_without_paths_reports_the_shipped_bank(tmp_path: Path, capsys) -> None:
    """With no PATHS the shipped folder is checked and its report printed: counts, mix, cues."""
    shipped = shipped_bank(tmp_path / "shipped", per_concept=160)
    assert check([], shipped, sys.stdout) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Shipped bank: 320 questions (need 300)"
    assert [line.split()[:2] for line in out[2:4]] == [
        ["adapt.rag", "160"],
        ["adapt.prompting", "160"],
    ]
    assert out[4:11] == [
        "  (each concept needs 18 questions)",
        "  types: single 288 (90%), truefalse 32 (10%)",
        "  truefalse: 16 true, 16 false (need 30, as many true as false)",
        "  scenario: 160 of 320 (50%; need 40%)",
        "  difficulty: 1: 108 (34%), 2: 106 (33%), 3: 106 (33%)",
        "  right answer among 288 four-option questions: a 22%, b 28%, c 22%, d 28%"
        " (limit 35% each)",
        "  right answer among all single questions: a 64, b 80, c 64, d 80",
    ]
    assert "  answer-revealing truefalse ids: 0 [limit 0: ok]" in out
    assert (
        "Syllabus points: 4, 0 tested by fewer than 2 questions; questions naming no point: 0"
        in out
    )
    assert out[-1] == "320 questions in 3 files: OK"


def test_check_names_each_broken_shipped_bank_rule(tmp_path: Path, capsys) -> None:
    """A small shipped bank fails the size, per-concept and truefalse rules, one line each."""
    shipped = shipped_bank(tmp_path / "shipped", per_concept=8)
    assert check([], shipped, sys.stdout) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith(str(shipped))] == [
        f"{shipped}:0: -: the bank has 16 questions (need at least 300)",
        f"{shipped}:0: -: concept 'adapt.rag' has 8 questions (need 18)",
        f"{shipped}:0: -: concept 'adapt.prompting' has 8 questions (need 18)",
        f"{shipped}:0: -: 2 truefalse questions (need 30)",
        f"{shipped}:0: -: truefalse answers are 2 true and 0 false (need as many of each)",
    ]
    assert out[-1] == "16 questions in 3 files: 5 problems"


def test_report_prints_the_report_and_the_markdown_point_table(tmp_path: Path, capsys) -> None:
    """`report` prints the bank report; `--markdown` the point table with the ids testing each."""
    shipped = shipped_bank(tmp_path / "shipped", per_concept=8)
    assert main(["questions", "report", "--shipped", str(shipped)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Shipped bank: 16 questions (need 300)"
    assert any(line.startswith("Cues a test-wise learner could use") for line in out)
    assert main(["questions", "report", "--shipped", str(shipped), "--markdown"]) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0] == START and markdown[-1] == END
    assert "### adapt.rag — RAG" in markdown
    assert (
        "| `rag.current-info` | Retrieval serves information that changes often | 4 |"
        " `adapt-rag-0`, `adapt-rag-1`, `adapt-rag-4`, `adapt-rag-5` |"
    ) in markdown


def test_report_rewrites_the_readme_section_between_its_markers(tmp_path: Path, capsys) -> None:
    """`report --readme FILE` replaces only the marked section; without markers it refuses."""
    shipped = shipped_bank(tmp_path / "shipped", per_concept=8)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Packs\n\n## Syllabus points\n\n{START}\nold\n{END}\n\n## After\n")
    argv = ["questions", "report", "--shipped", str(shipped), "--readme", str(readme)]
    assert main(argv) == 0
    text = readme.read_text()
    assert text.startswith("# Packs\n\n## Syllabus points\n\n" + START)
    assert text.endswith(END + "\n\n## After\n")
    assert "old" not in text and "`rag.no-weight-change`" in text
    assert main(argv) == 0 and readme.read_text() == text  # regenerating changes nothing
    readme.write_text("# No markers\n")
    capsys.readouterr()
    assert main(argv) == 1
    assert "no syllabus-point section markers" in capsys.readouterr().out
    assert readme.read_text() == "# No markers\n"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.packs_cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_as_a_process_exits_1_with_lines_and_no_traceback(tmp_path: Path) -> None:
    """As a real process, a bad folder and a missing path give lines and exit 1, no traceback."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "bad.yaml": BAD})
    (packs / "garbage.yaml").write_bytes(b"\x00\xff{[: \x07")
    missing = tmp_path / "missing"
    done = run_cli(
        "questions", "check", "--shipped", str(tmp_path / "none"), str(packs), str(missing)
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{missing}:0: -: no such file or folder"
    assert lines[-1] == "1 question in 3 files: 4 problems"
    assert f"{packs / 'garbage.yaml'}:1: -: not UTF-8 text (byte 0xff)" in lines


def test_check_as_a_process_exits_0_on_a_good_folder(tmp_path: Path) -> None:
    """Run as a real command, a good folder exits 0 with the summary line."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "good.yaml": GOOD})
    done = run_cli("questions", "check", "--shipped", str(tmp_path / "none"), str(packs))
    assert (done.returncode, done.stdout, done.stderr) == (0, "3 questions in 2 files: OK\n", "")


def test_an_unexpected_error_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    """A bug inside a command shows one line on stderr and exit code 2, never a traceback."""

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(bot.packs_cli, "load_packs", explode)
    assert main(["questions", "check", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == "studybot: unexpected error: RuntimeError: disk on fire\n"
    assert captured.out == ""


def test_list_prints_counts_per_concept_and_type(tmp_path: Path, capsys) -> None:
    """`list` shows single, truefalse, scenario and total per concept, with a total row."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "good.yaml": GOOD})
    assert list_counts([packs], tmp_path / "none", sys.stdout) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        ["concept", "single", "truefalse", "scenario", "total"],
        ["adapt.rag", "1", "1", "1", "2"],
        ["adapt.prompting", "1", "0", "0", "1"],
        ["total", "2", "1", "1", "3"],
    ]


def test_list_filters_by_concept_and_rejects_an_unknown_one(tmp_path: Path, capsys) -> None:
    """`list --concept C` shows that concept only; an unknown one is an error listing the known."""
    shipped = folder(tmp_path / "shipped", {"concepts.yaml": CONCEPTS, "good.yaml": GOOD})
    assert main(["questions", "list", "--shipped", str(shipped), "--concept", "adapt.rag"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert rows == ["concept", "adapt.rag", "total"]
    assert main(["questions", "list", "--shipped", str(shipped), "--concept", "adapt.rga"]) == 1
    err = capsys.readouterr().err
    assert err == "unknown concept 'adapt.rga'; known: adapt.rag, adapt.prompting\n"


def test_csv_round_trip_reproduces_the_pack(tmp_path: Path, capsys) -> None:
    """A pack exported with pack_to_csv and imported again gives the same questions."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": CONCEPTS})
    source = folder(tmp_path / "source", {"good.yaml": GOOD}) / "good.yaml"
    original = load_packs([source], base=load_packs([shipped]).bank)
    assert original.ok
    for concept in ("adapt.rag", "adapt.prompting"):
        spreadsheet = tmp_path / f"{concept}.csv"
        spreadsheet.write_text(pack_to_csv(original.bank.in_concept(concept)), encoding="utf-8")
        out = tmp_path / f"{concept}.yaml"
        assert import_csv(spreadsheet, concept, out, shipped, sys.stdout) == 0
        imported = load_packs([out], base=load_packs([shipped]).bank)
        assert imported.problems == ()
        assert [replace(q, source="") for q in imported.bank.questions] == [
            replace(q, source="") for q in original.bank.in_concept(concept)
        ]
    assert "questions written to" in capsys.readouterr().out


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HEADER = ["prompt", "choices", "answer", "explanation", "rationales", "difficulty", "tags"]


def test_points_survive_yaml_and_csv_round_trips(tmp_path: Path, capsys) -> None:
    """The syllabus points a question names are written to YAML and CSV and read back."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": SYLLABUS})
    base = load_packs([shipped]).bank
    tags = "    tags: [scenario, choose-approach]\n"
    pointed = GOOD.replace(tags, tags + "    points: [rag.current-info, rag.no-weight-change]\n")
    source = folder(tmp_path / "source", {"good.yaml": pointed}) / "good.yaml"
    original = load_packs([source], base=base)
    assert original.ok
    rag = original.bank.in_concept("adapt.rag")
    assert rag[0].points == ("rag.current-info", "rag.no-weight-change")
    again = folder(tmp_path / "again", {"rag.yaml": pack_yaml(rag)})
    assert [q.points for q in load_packs([again], base=base).bank.questions] == [
        q.points for q in rag
    ]
    spreadsheet = tmp_path / "rag.csv"
    spreadsheet.write_text(pack_to_csv(rag), encoding="utf-8")
    out = tmp_path / "rag-imported.yaml"
    assert import_csv(spreadsheet, "adapt.rag", out, shipped, sys.stdout) == 0
    imported = load_packs([out], base=base)
    assert [q.points for q in imported.bank.questions] == [q.points for q in rag]


def test_import_reports_bad_rows_by_spreadsheet_row_and_writes_nothing(
    tmp_path: Path, capsys
) -> None:
    """Bad rows are named by row number (header = row 1, a multi-line cell is one row); exit 1."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": CONCEPTS})
    sheet = write_csv(
        tmp_path / "rag.csv",
        [
            HEADER,
            [
                "What does RAG add?",
                "Sources | Weights | Epochs",
                "a",
                "Line one.\nLine two.",
                "",
                "",
                "",
            ],
            ["Which store is fastest?", "Cache | Disk | Tape", "e", "Memory.", "", "", ""],
            ["Two options only?", "Yes | No", "a", "Too few.", "", "", ""],
            ["", "", "", "", "", "", ""],
            ["How hard is this?", "Easy | Hard | Both", "a", "Hmm.", "b: no | c: no", "hard", ""],
        ],
    )
    out = tmp_path / "rag.yaml"
    assert import_csv(sheet, "adapt.rag", out, shipped, sys.stdout) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{sheet}:row 2: missing rationale for wrong choice 'b'",
        f"{sheet}:row 2: missing rationale for wrong choice 'c'",
        f"{sheet}:row 3: answer 'e' is not among the choices (a-c)",
        f"{sheet}:row 4: too few choices: 2 (need 3-5)",
        f"{sheet}:row 6: 'difficulty' must be a number 1-3, got text",
        "5 problems; no pack written",
    ]
    assert not out.exists()


def test_import_makes_ids_declares_a_new_concept_and_loads_back(tmp_path: Path, capsys) -> None:
    """Without ids, slugs come from prompts; --title declares the concept; the pack then loads."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": CONCEPTS})
    sheet = write_csv(
        tmp_path / "storage.csv",
        [
            ["Type", "Prompt", "Choices", "Answer", "Explanation", "Rationales", "Tags"],
            ["", "Which tier suits data read once a year?", "Hot | Archive | Cache", "B",
             "Archive is cheapest.", "Costly for idle data. | Volatile.", "scenario"],
            ["truefalse", "Object storage is a file system.", "", "false",
             "It stores objects by key.", "Paths look like folders, but are key prefixes.", ""],
        ],
    )  # fmt: skip
    out = tmp_path / "storage.yaml"
    code = import_csv(sheet, "cloud.storage", out, shipped, sys.stdout, title="Object storage")
    assert code == 0, capsys.readouterr().out
    result = load_packs([out], base=load_packs([shipped]).bank)
    assert result.problems == ()
    assert result.bank.concepts == (Concept("cloud.storage", "Object storage"),)
    first, second = result.bank.questions
    assert first.id == "which-tier-suits-data-read-once-a-year"
    assert (first.answer, first.rationales) == (1, ("Costly for idle data.", None, "Volatile."))
    assert (second.id, second.type, second.answer) == (
        "object-storage-is-a-file-system",
        "truefalse",
        1,
    )
    assert second.rationales == ("Paths look like folders, but are key prefixes.", None)


def test_import_refuses_unknown_concepts_bad_headers_and_overwrites(tmp_path: Path, capsys) -> None:
    """Import stops with one clear line for an unknown concept, a bad header, an existing --out."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": CONCEPTS})
    sheet = write_csv(tmp_path / "s.csv", [["prompt", "answer", "notes"], ["Q?", "a", ""]])
    out = tmp_path / "s.yaml"
    assert import_csv(sheet, "adapt.rga", out, shipped, sys.stdout) == 1
    assert import_csv(sheet, "adapt.rag", out, shipped, sys.stdout) == 1
    out.write_text("keep me")
    assert import_csv(sheet, "adapt.rag", out, shipped, sys.stdout) == 1
    assert capsys.readouterr().out.splitlines() == [
        "unknown concept 'adapt.rga' (known: adapt.rag, adapt.prompting); "
        "pass --title to declare it in the new pack",
        f"{sheet}:row 1: unknown columns: notes",
        f"{sheet}:row 1: missing columns: choices, explanation",
        f"{out} exists; pass --force to replace it",
    ]
    assert out.read_text() == "keep me"


def test_import_of_a_non_utf8_csv_is_one_line(tmp_path: Path, capsys) -> None:
    """A spreadsheet saved in a legacy encoding gets a hint, not a traceback."""
    shipped = folder(tmp_path / "shipped", {"syllabus.yaml": CONCEPTS})
    sheet = tmp_path / "latin1.csv"
    sheet.write_bytes("prompt,choices,answer,explanation\ncafé,a|b|c,a,x\n".encode("latin-1"))
    assert import_csv(sheet, "adapt.rag", tmp_path / "o.yaml", shipped, sys.stdout) == 1
    assert capsys.readouterr().out == (
        f"{sheet}: not UTF-8 text (save the spreadsheet as CSV UTF-8)\n"
    )


def test_export_csv_command_writes_the_import_format(tmp_path: Path, capsys) -> None:
    """`questions export-csv` writes a CSV whose header is the documented import columns."""
    packs = folder(tmp_path / "packs", {"concepts.yaml": CONCEPTS, "good.yaml": GOOD})
    target = tmp_path / "out.csv"
    options = ["--shipped", str(tmp_path / "none"), "--concept", "adapt.rag", "--out", str(target)]
    assert main(["questions", "export-csv", str(packs), *options]) == 0
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == list(bot.pack_csv.CSV_COLUMNS)
    assert [row[0] for row in rows[1:]] == ["rag-current-policy", "rag-changes-weights"]


@pytest.mark.parametrize("argv", [["questions"], ["questions", "import", "x.csv"]])
def test_usage_errors_exit_2_from_argparse(argv: list[str], capsys) -> None:
    """Missing subcommands or required options are usage errors (exit 2), not crashes."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err
