"""Property tests: the pack loader reports problems for any input and never raises."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.pack_rules import FIELDS, QUESTION_ID
from bot.core.packs import LoadResult, load_packs
from bot.core.questions import Question
from bot.pack_csv import pack_yaml

# Under `make mutation` (mutmut sets MUTANT_UNDER_TEST) each surviving mutant of the
# pack code would rerun these for ~40 s; a smaller sample keeps the run to minutes.
EXAMPLES = 20 if os.environ.get("MUTANT_UNDER_TEST") else 200
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["a", "b", "e", "true", "single", "truefalse", "adapt.rag", "scenario"])
    | st.dates()
)
keys = st.text(max_size=12) | st.sampled_from(FIELDS) | st.integers(0, 5) | st.booleans()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)
field_values = {
    "id": st.sampled_from(["rag-one", "rag-two", "Bad Id", ""]) | documents,
    "concept": st.sampled_from(["adapt.rag", "nope"]) | documents,
    "type": st.sampled_from(["single", "truefalse", "multi"]) | documents,
    "difficulty": st.integers(-1, 5) | documents,
    "tags": st.lists(st.sampled_from(["scenario", "rag", "two words"]), max_size=3) | documents,
    "prompt": st.text(max_size=320) | documents,
    "choices": st.lists(st.text(max_size=130), max_size=7) | documents,
    "answer": st.sampled_from(["a", "b", "c", "f", True, False]) | documents,
    "explanation": st.text(max_size=50) | documents,
    "rationales": st.dictionaries(
        st.sampled_from(["a", "b", "c", "d", True, False]), st.text(max_size=30) | documents
    )
    | documents,
}
near_questions = st.fixed_dictionaries({}, optional=field_values)
near_packs = st.fixed_dictionaries(
    {},
    optional={
        "concepts": st.lists(
            st.fixed_dictionaries({}, optional={"id": documents, "title": documents}), max_size=3
        )
        | documents,
        "questions": st.lists(near_questions | documents, max_size=5),
    },
)
fragments = st.sampled_from(
    [":", "- ", "[", "]", "{", "}", ",", "\n", "  ", "? ", "!!int ", "!!bool ", "!!timestamp ",
     "!!map ", "!!seq ", "&a ", "*a", "<<: ", "|", ">-", "'", '"', "#", "---", "%YAML 1.1",
     "questions", "answer", "true", "2024-13-45", "\t", "\\x", "0x", "id: x", "\x07", "\ufeff"]
)  # fmt: skip
yaml_like_text = st.lists(fragments, max_size=40).map("".join)


@pytest.fixture(scope="module")
def pack_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One file rewritten by every example (hypothesis forbids function-scoped tmp_path)."""
    folder = tmp_path_factory.mktemp("property")
    (folder / "concepts.yaml").write_text("concepts:\n  - id: adapt.rag\n    title: RAG\n")
    yield folder / "pack.yaml"


def load(path: Path, content: bytes) -> LoadResult:
    path.write_bytes(content)
    result = load_packs([path.parent])
    assert isinstance(result, LoadResult)
    for problem in result.problems:
        assert "\n" not in str(problem)
        assert problem.line >= 0
    assert result.ok == (not any(p.severity == "error" for p in result.problems))
    return result


@SETTINGS
@given(document=documents | near_packs)
def test_any_yaml_document_gives_a_result(pack_file: Path, document: object) -> None:
    """Any YAML document, even a near-valid pack with random field values, loads without raising."""
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    result = load(pack_file, text.encode())
    assert all(q.source.startswith(f"{pack_file}:") for q in result.bank.questions)


@SETTINGS
@given(text=yaml_like_text | st.text(max_size=200))
def test_any_text_gives_a_result(pack_file: Path, text: str) -> None:
    """Arbitrary text, including YAML-looking fragments, gives problems rather than an exception."""
    load(pack_file, text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_any_bytes_give_a_result(pack_file: Path, raw: bytes) -> None:
    """Arbitrary bytes (invalid UTF-8, NULs, BOMs) give problems rather than an exception."""
    load(pack_file, raw)


def deep_nesting(depth: int) -> bytes:
    return ("questions: " + "[" * depth + "]" * depth + "\n").encode()


@pytest.mark.parametrize("depth", [40, 1_000, 20_000])
def test_absurd_nesting_is_a_problem(pack_file: Path, depth: int) -> None:
    """Nesting past the limit, even far deeper than any stack, is one problem, not a crash."""
    result = load(pack_file, deep_nesting(depth))
    [problem] = result.problems
    assert "nest" in problem.message and problem.path == str(pack_file)


def clean_text(max_size: int) -> st.SearchStrategy[str]:
    alphabet = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"])
    return (
        st.text(alphabet, min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: bool(s) and "of the above" not in s.lower())
    )


@st.composite
def valid_questions(draw: st.DrawFn) -> Question:
    truefalse = draw(st.booleans())
    if truefalse:
        choices: tuple[str, ...] = ("True", "False")
    else:
        choices = tuple(
            draw(
                st.lists(
                    clean_text(120),
                    min_size=3,
                    max_size=5,
                    unique_by=lambda s: " ".join(s.casefold().split()),
                )
            )
        )
    answer = draw(st.integers(0, len(choices) - 1))
    return Question(
        id=draw(st.from_regex(QUESTION_ID, fullmatch=True).filter(lambda s: len(s) < 60)),
        concept="adapt.rag",
        type="truefalse" if truefalse else "single",
        prompt=draw(clean_text(300)),
        choices=choices,
        answer=answer,
        explanation=draw(clean_text(600)),
        rationales=tuple(
            None if i == answer else draw(clean_text(200)) for i in range(len(choices))
        ),
        difficulty=draw(st.integers(1, 3)),
        tags=tuple(
            draw(st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True), max_size=3))
        ),
    )


@SETTINGS
@given(question=valid_questions())
def test_a_valid_question_written_as_yaml_loads_back_unchanged(
    pack_file: Path, question: Question
) -> None:
    """Whatever a valid question holds, writing it as a pack and loading it gives it back."""
    result = load(pack_file, pack_yaml([question]).encode())
    assert result.problems == ()
    [loaded] = result.bank.questions
    assert loaded == replace(question, source=loaded.source)
