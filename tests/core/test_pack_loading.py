"""Start-up loading: a broken shipped pack stops the bot, a broken extra pack is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.pack_nodes import Problem
from bot.core.packs import InvalidShippedPack, load_bank

QUESTION = """\
  - id: {qid}
    concept: {concept}
    type: single
    difficulty: 2
    tags: [scenario]
    prompt: {prompt}
    choices:
      - Fine-tune a model on the policy each quarter
      - Ground a pretrained model on the policy documents with retrieval
      - Train a new language model from scratch on HR data
    answer: b
    explanation: Retrieval hands the model the current documents at question time.
    rationales:
      a: Sounds thorough, but the model would be stale between runs.
      c: Far too costly; training from scratch is almost never the answer.
"""
SHIPPED = "concepts:\n  - id: adapt.rag\n    title: Retrieval\nquestions:\n" + QUESTION.format(
    qid="rag-one",
    concept="adapt.rag",
    prompt="An HR team rewrites its leave policy often. What should its assistant use?",
)
EXTRA = "concepts:\n  - id: extra.topic\n    title: Extra\nquestions:\n" + QUESTION.format(
    qid="extra-one",
    concept="extra.topic",
    prompt="A help desk must quote this morning's price list. Which approach fits best?",
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_broken_shipped_pack_names_its_problems(tmp_path: Path) -> None:
    """The start-up error counts the problems and lists each on its own indented line."""
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED.replace("answer: b", "answer: z"))
    with pytest.raises(InvalidShippedPack) as raised:
        load_bank(shipped, [])
    [problem] = raised.value.problems
    assert str(raised.value) == f"The shipped question packs have 1 problem:\n  {problem}"


def test_the_problem_count_is_plural_from_two() -> None:
    """Two problems read '2 problems', one per line."""
    problems = [Problem("a.yaml", 3, "q", "bad"), Problem("b.yaml", 4, None, "worse")]
    assert str(InvalidShippedPack(problems)) == (
        "The shipped question packs have 2 problems:\n  a.yaml:3: q: bad\n  b.yaml:4: -: worse"
    )


def test_a_good_extra_pack_adds_its_concepts_and_questions(tmp_path: Path) -> None:
    """An extra pack's concepts and questions join the shipped ones, with no warnings."""
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    extra = write(tmp_path / "extra", "e.yaml", EXTRA)
    bank, warnings = load_bank(shipped, [extra])
    assert warnings == []
    assert [c.id for c in bank.concepts] == ["adapt.rag", "extra.topic"]
    assert [q.id for q in bank.questions] == ["rag-one", "extra-one"]


def test_a_missing_extra_path_is_a_warning(tmp_path: Path) -> None:
    """A path that is not there is named in a warning; the shipped bank still loads."""
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    bank, warnings = load_bank(shipped, [tmp_path / "nowhere"])
    assert [q.id for q in bank.questions] == ["rag-one"]
    assert [(w.path, w.severity) for w in warnings] == [(str(tmp_path / "nowhere"), "warning")]


def test_broken_extra_packs_are_skipped_whole_with_their_counts(tmp_path: Path) -> None:
    """Each bad extra file is left out and named with its own number of errors."""
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    extra = tmp_path / "extra"
    one = write(extra, "one.yaml", EXTRA.replace("answer: b", "answer: z"))
    two = write(
        extra,
        "two.yaml",
        EXTRA.replace("extra.topic", "extra.other")
        .replace("extra-one", "extra-two")
        .replace("answer: b", "answer: z")
        .replace("difficulty: 2", "difficulty: 9"),
    )
    bank, warnings = load_bank(shipped, [extra])
    assert [q.id for q in bank.questions] == ["rag-one"]
    skipped = [(w.path, w.message) for w in warnings if w.line == 0]
    assert skipped == [
        (str(one), "pack skipped: 1 problem (run `studybot questions check`)"),
        (str(two), "pack skipped: 3 problems (run `studybot questions check`)"),
    ]
    assert all(w.severity == "warning" for w in warnings)
    assert len(warnings) == 2 + 1 + 3
