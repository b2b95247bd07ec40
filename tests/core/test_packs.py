"""Loading and validating question packs: every error names its file, line and question."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.packs import (
    InvalidShippedPack,
    Problem,
    load_bank,
    load_packs,
)
from bot.core.questions import Concept

CONCEPTS = "concepts:\n  - id: adapt.rag\n    title: Retrieval-augmented generation\n"

FIELDS = {
    "id": "id: {qid}",
    "concept": "concept: adapt.rag",
    "type": "type: single",
    "difficulty": "difficulty: 2",
    "tags": "tags: [scenario, choose-approach]",
    "prompt": "prompt: {prompt}",
    "choices": (
        "choices:\n"
        "  - Fine-tune a model on the policy each quarter\n"
        "  - Ground a pretrained model on the policy documents with retrieval\n"
        "  - Train a new language model from scratch on HR data"
    ),
    "answer": "answer: b",
    "explanation": "explanation: Retrieval hands the model the current documents at question time.",
    "rationales": (
        "rationales:\n"
        "  a: Sounds thorough, but the model would be stale between runs.\n"
        "  c: Far too costly; training from scratch is almost never the answer."
    ),
}
POINTS = (
    "    points:\n"
    "      - id: rag.current-info\n"
    "        text: Retrieval serves information that changes often\n"
    "      - id: rag.no-weight-change\n"
    "        text: Retrieval changes no weights\n"
)
PROMPT = "An HR team rewrites its leave policy often. What should its assistant use?"
OTHER_PROMPT = "Which technique lets a chatbot cite this morning's price list without retraining?"


def question(
    qid: str = "rag-current-policy", prompt: str = PROMPT, drop: tuple[str, ...] = (), **fields: str
) -> str:
    """One question as a YAML list item; a keyword replaces that field's text, `drop` removes."""
    parts = {**FIELDS, **fields}
    body = "\n".join(text for name, text in parts.items() if name not in drop)
    lines = body.format(qid=qid, prompt=prompt).splitlines()
    return "".join(("  - " if i == 0 else "    ") + line + "\n" for i, line in enumerate(lines))


def pack(*questions: str) -> str:
    return "questions:\n" + "".join(questions)


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the first line containing marker."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


@dataclass(frozen=True)
class Case:
    files: dict[str, str | bytes]
    file: str  # the file the problem names
    marker: str | None  # text on the line the problem names (None: line 1)
    question_id: str | None
    message: str  # a fragment of the message; {dir} is the pack folder


SIX_CHOICES = "choices:\n" + "\n".join(f"  - Option number {n}" for n in range(1, 7))
LONG_PROMPT = ("Which approach keeps the answers of an HR assistant current? " * 5).strip()
assert len(LONG_PROMPT) > 300

CASES = {
    "yaml-syntax": Case(
        {"pack.yaml": pack(question(answer="answer: b: c"))},
        "pack.yaml",
        "answer: b: c",
        None,
        "YAML syntax error: mapping values are not allowed",
    ),
    "missing-field": Case(
        {"pack.yaml": pack(question(drop=("explanation",)))},
        "pack.yaml",
        "id: rag-current-policy",
        "rag-current-policy",
        "missing field 'explanation'",
    ),
    "unknown-field": Case(
        {"pack.yaml": pack(question(hint="hint: think about freshness"))},
        "pack.yaml",
        "hint: think",
        "rag-current-policy",
        "unknown field 'hint'",
    ),
    "wrong-type": Case(
        {"pack.yaml": pack(question(difficulty="difficulty: hard"))},
        "pack.yaml",
        "difficulty: hard",
        "rag-current-policy",
        "'difficulty' must be a number 1-3, got text",
    ),
    "duplicate-id-across-packs": Case(
        {
            "a.yaml": pack(question("rag-twice")),
            "b.yaml": pack(question("rag-twice", prompt=OTHER_PROMPT)),
        },
        "b.yaml",
        "id: rag-twice",
        "rag-twice",
        "duplicate id 'rag-twice' (first defined at {dir}/a.yaml:2)",
    ),
    "answer-not-among-choices": Case(
        {"pack.yaml": pack(question(answer="answer: e"))},
        "pack.yaml",
        "answer: e",
        "rag-current-policy",
        "answer 'e' is not among the choices (a-c)",
    ),
    "too-few-choices": Case(
        {"pack.yaml": pack(question(choices="choices:\n  - Retrieval\n  - Fine-tuning"))},
        "pack.yaml",
        "choices:",
        "rag-current-policy",
        "too few choices: 2 (need 3-5)",
    ),
    "too-many-choices": Case(
        {"pack.yaml": pack(question(choices=SIX_CHOICES))},
        "pack.yaml",
        "choices:",
        "rag-current-policy",
        "too many choices: 6 (need 3-5)",
    ),
    "duplicate-choices": Case(
        {
            "pack.yaml": pack(
                question(
                    choices="choices:\n  - Retrieval\n  - Fine-tuning\n  - retrieval ",
                )
            )
        },
        "pack.yaml",
        "- retrieval ",
        "rag-current-policy",
        "choice c repeats choice a",
    ),
    "over-long-text": Case(
        {"pack.yaml": pack(question(prompt=LONG_PROMPT))},
        "pack.yaml",
        "prompt: Which approach",
        "rag-current-policy",
        f"prompt is too long: {len(LONG_PROMPT)} characters (limit 300)",
    ),
    "unknown-concept": Case(
        {"pack.yaml": pack(question(concept="concept: adapt.rga"))},
        "pack.yaml",
        "concept: adapt.rga",
        "rag-current-policy",
        "unknown concept 'adapt.rga' (did you mean 'adapt.rag'?)",
    ),
    "missing-rationale": Case(
        {"pack.yaml": pack(question(rationales="rationales:\n  a: Stale between runs."))},
        "pack.yaml",
        "rationales:",
        "rag-current-policy",
        "missing rationale for wrong choice 'c'",
    ),
    "near-duplicate-prompts": Case(
        {
            "pack.yaml": pack(
                question("rag-first"),
                question("rag-second", prompt=PROMPT.replace("often", "very often")),
            )
        },
        "pack.yaml",
        "id: rag-second",
        "rag-second",
        "prompt nearly duplicates 'rag-first' at {dir}/pack.yaml:2 (similarity 0.9",
    ),
    "empty-file": Case({"empty.yaml": ""}, "empty.yaml", None, None, "empty file"),
    "non-utf8-file": Case(
        {"latin1.yaml": b"questions:\n  - id: rag-cafe\n    prompt: caf\xe9 menu\n"},
        "latin1.yaml",
        "prompt: caf",
        None,
        "not UTF-8 text (byte 0xe9)",
    ),
    "utf16-file": Case(
        {"utf16.yaml": b"\xff\xfe" + pack(question()).encode("utf-16-le")},
        "utf16.yaml",
        None,
        None,
        "not UTF-8 text (byte 0xff)",
    ),
    "all-of-the-above": Case(
        {
            "pack.yaml": pack(
                question(choices="choices:\n  - Retrieval\n  - Fine-tuning\n  - All of the above")
            )
        },
        "pack.yaml",
        "- All of the above",
        "rag-current-policy",
        "choice c is an 'all/none of the above' option",
    ),
    "bad-id-slug": Case(
        {"pack.yaml": pack(question("Rag_Policy"))},
        "pack.yaml",
        "id: Rag_Policy",
        "Rag_Policy",
        "id must be a slug of lowercase letters, digits and hyphens",
    ),
    "rationale-for-right-answer": Case(
        {"pack.yaml": pack(question(rationales=FIELDS["rationales"] + "\n  b: It is right."))},
        "pack.yaml",
        "b: It is right.",
        "rag-current-policy",
        "rationale for the right answer 'b': leave it out",
    ),
    "truefalse-with-choices": Case(
        {
            "pack.yaml": pack(
                question(
                    type="type: truefalse",
                    answer="answer: false",
                    rationales="rationales:\n  true: Tempting, but wrong.",
                )
            )
        },
        "pack.yaml",
        "choices:",
        "rag-current-policy",
        "a truefalse question takes no 'choices'",
    ),
    "duplicate-key": Case(
        {"pack.yaml": pack(question(again="answer:  b"))},
        "pack.yaml",
        "answer:  b",
        "rag-current-policy",
        "duplicate key 'answer'",
    ),
    "unknown-point": Case(
        {
            "concepts.yaml": CONCEPTS + POINTS,
            "pack.yaml": pack(question(points="points: [rag.current-info, rag.curent-info]")),
        },
        "pack.yaml",
        "points: [rag.current-info",
        "rag-current-policy",
        "unknown syllabus point 'rag.curent-info' (did you mean 'rag.current-info'?)",
    ),
    "point-named-twice": Case(
        {
            "concepts.yaml": CONCEPTS + POINTS,
            "pack.yaml": pack(question(points="points: [rag.current-info, rag.current-info]")),
        },
        "pack.yaml",
        "points: [rag.current-info",
        "rag-current-policy",
        "syllabus point 'rag.current-info' is named twice",
    ),
    "points-not-a-list": Case(
        {
            "concepts.yaml": CONCEPTS + POINTS,
            "pack.yaml": pack(question(points="points: rag.current-info")),
        },
        "pack.yaml",
        "points: rag.current-info",
        "rag-current-policy",
        "'points' must be a list of syllabus point ids, got text",
    ),
    "bad-point-id": Case(
        {"concepts.yaml": CONCEPTS + "    points:\n      - id: Current Info\n        text: x\n"},
        "concepts.yaml",
        "id: Current Info",
        None,
        "syllabus point id must be a slug like 'basics.code-generation'",
    ),
    "point-without-text": Case(
        {"concepts.yaml": CONCEPTS + "    points:\n      - id: rag.current-info\n"},
        "concepts.yaml",
        "- id: rag.current-info",
        None,
        "syllabus point 'rag.current-info' needs a 'text'",
    ),
    "point-declared-twice": Case(
        {
            "concepts.yaml": CONCEPTS + POINTS,
            "more.yaml": (
                "concepts:\n  - id: adapt.grounding\n    title: Grounding\n"
                "    points:\n      - id: rag.current-info\n        text: Again\n"
            ),
        },
        "more.yaml",
        "- id: adapt.grounding",
        None,
        "syllabus point 'rag.current-info' is already declared by concept 'adapt.rag'",
    ),
    "pack-not-a-mapping": Case(
        {"pack.yaml": "- id: rag-current-policy\n"},
        "pack.yaml",
        None,
        None,
        "a pack must be a mapping with 'concepts' and/or 'questions', got a list",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_malformed_pack_is_reported_at_its_file_line_and_question(
    case: Case, tmp_path: Path
) -> None:
    """Each kind of mistake yields exactly one problem naming the file, line and question id."""
    write(tmp_path, {"concepts.yaml": CONCEPTS, **case.files})
    result = load_packs([tmp_path])
    path = tmp_path / case.file
    content = case.files[case.file]
    text = content.decode("latin-1") if isinstance(content, bytes) else content
    line = 1 if case.marker is None else line_of(text, case.marker)
    assert [str(p).split(": ", 2)[:2] for p in result.problems] == [
        [f"{path}:{line}", case.question_id or "-"]
    ]
    problem = result.problems[0]
    assert (problem.path, problem.line, problem.question_id) == (str(path), line, case.question_id)
    assert case.message.format(dir=tmp_path) in problem.message
    assert not result.ok
    loaded = {(q.id, q.source.rsplit(":", 1)[0]) for q in result.bank.questions}
    assert (case.question_id, str(path)) not in loaded


def test_the_unmodified_question_template_is_valid(tmp_path: Path) -> None:
    """The template the malformed cases edit loads cleanly, so each case tests one change."""
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": pack(question())})
    result = load_packs([tmp_path])
    assert result.problems == ()
    assert [q.id for q in result.bank.questions] == ["rag-current-policy"]


def test_single_question_converts_letter_and_rationales(tmp_path: Path) -> None:
    """A single question's answer letter becomes an index; the right answer has no rationale."""
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": pack(question())})
    [q] = load_packs([tmp_path]).bank.questions
    assert q.answer == 1 and q.answer_letter == "b"
    assert q.choices[1] == "Ground a pretrained model on the policy documents with retrieval"
    assert q.rationales == (
        "Sounds thorough, but the model would be stale between runs.",
        None,
        "Far too costly; training from scratch is almost never the answer.",
    )
    assert q.tags == ("scenario", "choose-approach") and q.scenario
    assert q.difficulty == 2 and q.concept == "adapt.rag"


def test_truefalse_question_gets_true_false_choices(tmp_path: Path) -> None:
    """A truefalse question gets choices True/False; answer false is index 1 (no rationale)."""
    text = pack(
        question(
            "rag-changes-weights",
            prompt="Retrieval-augmented generation updates the model's weights.",
            drop=("choices",),
            type="type: truefalse",
            answer="answer: false",
            rationales="rationales:\n  true: It feeds new data, but only in the prompt.",
        )
    )
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": text})
    result = load_packs([tmp_path])
    assert result.problems == ()
    [q] = result.bank.questions
    assert q.type == "truefalse"
    assert q.choices == ("True", "False")
    assert q.answer == 1
    assert q.rationales == ("It feeds new data, but only in the prompt.", None)


def test_source_names_the_file_and_line_of_each_question(tmp_path: Path) -> None:
    """Question.source is path:line of the question's first key."""
    text = pack(question("rag-one"), question("rag-two", prompt=OTHER_PROMPT))
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": text})
    bank = load_packs([tmp_path]).bank
    path = tmp_path / "pack.yaml"
    assert [q.source for q in bank.questions] == [
        f"{path}:{line_of(text, 'id: rag-one')}",
        f"{path}:{line_of(text, 'id: rag-two')}",
    ]
    assert line_of(text, "id: rag-two") > 2


def test_questions_name_the_points_they_test_and_may_omit_them(tmp_path: Path) -> None:
    """A concept declares points; a question lists the ones it tests; `points` is optional."""
    text = pack(
        question("rag-one", points="points: [rag.no-weight-change, rag.current-info]"),
        question("rag-two", prompt=OTHER_PROMPT),
    )
    write(tmp_path, {"concepts.yaml": CONCEPTS + POINTS, "pack.yaml": text})
    result = load_packs([tmp_path])
    assert result.problems == ()
    [concept] = result.bank.concepts
    assert [(p.id, p.text) for p in concept.points] == [
        ("rag.current-info", "Retrieval serves information that changes often"),
        ("rag.no-weight-change", "Retrieval changes no weights"),
    ]
    assert result.bank.point_ids() == ["rag.current-info", "rag.no-weight-change"]
    one, two = result.bank.questions
    assert one.points == ("rag.no-weight-change", "rag.current-info")
    assert two.points == ()


def test_extra_pack_questions_may_name_shipped_points(tmp_path: Path) -> None:
    """Points declared by the base (shipped) bank are known to an extra pack's questions."""
    write(tmp_path / "shipped", {"concepts.yaml": CONCEPTS + POINTS})
    base = load_packs([tmp_path / "shipped"]).bank
    text = pack(question(points="points: [rag.current-info]"))
    write(tmp_path / "extra", {"pack.yaml": text})
    result = load_packs([tmp_path / "extra"], base=base)
    assert result.problems == ()
    assert [q.points for q in result.bank.questions] == [("rag.current-info",)]


def test_yes_and_no_stay_text(tmp_path: Path) -> None:
    """Choices spelled Yes/No/On are text, not YAML 1.1 booleans."""
    text = pack(question(choices="choices:\n  - Yes\n  - No\n  - On"))
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": text})
    [q] = load_packs([tmp_path]).bank.questions
    assert q.choices == ("Yes", "No", "On")


def test_merge_keys_reuse_a_question_without_false_duplicates(tmp_path: Path) -> None:
    """A question may merge another (`<<: *base`) and override its id and prompt."""
    first = question("rag-one").replace("  - id: rag-one", "  - &base\n    id: rag-one")
    second = f"  - <<: *base\n    id: rag-two\n    prompt: {OTHER_PROMPT}\n"
    write(tmp_path, {"concepts.yaml": CONCEPTS, "pack.yaml": pack(first, second)})
    result = load_packs([tmp_path])
    assert result.problems == ()
    one, two = result.bank.questions
    assert (two.id, two.prompt, two.choices) == ("rag-two", OTHER_PROMPT, one.choices)
    assert two.source == f"{tmp_path / 'pack.yaml'}:{line_of(pack(first, second), '<<: *base')}"


def test_extra_pack_may_declare_its_own_concept(tmp_path: Path) -> None:
    """A pack for another exam declares its concept and its questions load against it."""
    text = "concepts:\n  - id: cloud.storage\n    title: Object storage\n" + pack(
        question("storage-tiers", concept="concept: cloud.storage")
    )
    write(tmp_path, {"storage.yaml": text})
    result = load_packs([tmp_path])
    assert result.problems == ()
    assert result.bank.concepts == (Concept("cloud.storage", "Object storage"),)
    assert [q.concept for q in result.bank.questions] == ["cloud.storage"]


def test_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    """A folder that does not exist is reported, not raised."""
    result = load_packs([tmp_path / "nowhere"])
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'nowhere'}:0: -: no such file or folder"
    ]


def test_problem_is_one_line_even_with_newlines_in_the_message() -> None:
    """Problem renders as path:line: id: message on a single line."""
    problem = Problem("p.yaml", 3, None, "unknown field 'a\nb'")
    assert str(problem) == "p.yaml:3: -: unknown field 'a\\nb'"


def make_shipped(folder: Path) -> None:
    write(folder, {"concepts.yaml": CONCEPTS, "rag.yaml": pack(question("rag-shipped"))})


def test_load_bank_skips_a_bad_extra_pack_and_keeps_the_good_ones(tmp_path: Path) -> None:
    """A broken extra pack is left out whole with a warning naming it; good extra packs load."""
    make_shipped(tmp_path / "shipped")
    extra = tmp_path / "extra"
    bad_text = pack(
        question("extra-fine", prompt=OTHER_PROMPT),
        question(
            "extra-broken", prompt="Which store answers questions fastest?", answer="answer: e"
        ),
    )
    good_text = pack(question("extra-good", prompt="Why ground a model on the current manual?"))
    write(extra, {"bad.yaml": bad_text, "good.yaml": good_text})
    bank, warnings = load_bank(tmp_path / "shipped", [extra])
    assert [q.id for q in bank.questions] == ["rag-shipped", "extra-good"]
    bad = str(extra / "bad.yaml")
    assert warnings[0] == Problem(bad, 0, None, warnings[0].message, "warning")
    assert warnings[0].message.startswith("pack skipped: 1 problem ")
    assert all(w.severity == "warning" for w in warnings)
    assert any(w.question_id == "extra-broken" and w.path == bad for w in warnings)


def test_load_bank_refuses_an_invalid_shipped_pack(tmp_path: Path) -> None:
    """Any error in the shipped folder raises InvalidShippedPack listing the problem."""
    write(tmp_path, {"concepts.yaml": CONCEPTS, "rag.yaml": pack(question(answer="answer: z"))})
    with pytest.raises(InvalidShippedPack) as raised:
        load_bank(tmp_path, [])
    assert f"{tmp_path / 'rag.yaml'}:" in str(raised.value)
    assert [p.question_id for p in raised.value.problems] == ["rag-current-policy"]


def test_load_bank_skips_an_extra_question_reusing_a_shipped_id(tmp_path: Path) -> None:
    """An extra question with a shipped id is skipped with a warning; the rest of its pack loads."""
    make_shipped(tmp_path / "shipped")
    text = pack(
        question("rag-shipped", prompt=OTHER_PROMPT),
        question("extra-own", prompt="Why ground a model on the current manual?"),
    )
    write(tmp_path / "extra", {"mine.yaml": text})
    bank, warnings = load_bank(tmp_path / "shipped", [tmp_path / "extra"])
    assert [q.id for q in bank.questions] == ["rag-shipped", "extra-own"]
    assert [q.prompt for q in bank.questions][0] == PROMPT
    [warning] = warnings
    assert (warning.path, warning.question_id, warning.severity) == (
        str(tmp_path / "extra" / "mine.yaml"),
        "rag-shipped",
        "warning",
    )


def test_load_bank_drops_packs_that_depend_on_a_skipped_pack(tmp_path: Path) -> None:
    """A concept declared only by a skipped extra pack cannot be used by another extra pack."""
    make_shipped(tmp_path / "shipped")
    concept = "concepts:\n  - id: cloud.storage\n    title: Object storage\n"
    broken = concept + pack(
        question("storage-broken", concept="concept: cloud.storage", answer="answer: e")
    )
    user = pack(question("storage-user", prompt=OTHER_PROMPT, concept="concept: cloud.storage"))
    write(tmp_path / "extra", {"a.yaml": broken, "b.yaml": user})
    bank, warnings = load_bank(tmp_path / "shipped", [tmp_path / "extra"])
    assert [q.id for q in bank.questions] == ["rag-shipped"]
    assert [c.id for c in bank.concepts] == ["adapt.rag"]
    skipped = [w.path for w in warnings if w.message.startswith("pack skipped")]
    assert skipped == [str(tmp_path / "extra" / "a.yaml"), str(tmp_path / "extra" / "b.yaml")]


def test_load_bank_lets_extra_packs_share_a_concept(tmp_path: Path) -> None:
    """One extra pack may use a concept another extra pack declares."""
    make_shipped(tmp_path / "shipped")
    concept = "concepts:\n  - id: cloud.storage\n    title: Object storage\n"
    user = pack(question("storage-user", prompt=OTHER_PROMPT, concept="concept: cloud.storage"))
    write(tmp_path / "extra", {"a-concepts.yaml": concept, "b.yaml": user})
    bank, warnings = load_bank(tmp_path / "shipped", [tmp_path / "extra"])
    assert warnings == []
    assert [q.id for q in bank.questions] == ["rag-shipped", "storage-user"]
