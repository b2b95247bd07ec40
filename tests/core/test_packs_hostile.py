"""Hostile or odd pack paths and YAML: one problem naming the file, bounded time and memory."""

from __future__ import annotations

import difflib
import os
import random
import re
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.core.packs
from bot.core.pack_yaml import MAX_DEPTH, MAX_PACK_BYTES, MAX_PACK_QUESTIONS
from bot.core.packs import load_packs
from bot.core.similarity import NEAR_DUPLICATE, near_duplicates, normalise_prompt
from bot.packs_cli import main

CONCEPTS = "concepts:\n  - id: adapt.rag\n    title: RAG\n"
GOOD = """\
questions:
  - id: rag-current-policy
    concept: adapt.rag
    type: truefalse
    difficulty: 1
    tags: []
    prompt: Retrieval hands the model the current documents at question time.
    answer: true
    explanation: The documents are fetched when the question is asked.
    rationales:
      false: Retraining is what RAG avoids.
"""


def billion_laughs(levels: int = 9) -> str:
    """An alias bomb: each level repeats the one below ten times, the last one as an id."""
    lines = ['l0: &l0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return "\n".join(lines) + f"\nquestions:\n  - id: *l{levels}\n"


def merge_bomb(levels: int = 30) -> str:
    """A merge-key bomb: each mapping merges the one below twice."""
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for n in range(1, levels + 1):
        lines.append(f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}], k{n}: {n}}}")
    return "\n".join(lines) + f"\nquestions:\n  - <<: *m{levels}\n"


def nested(depth: int) -> str:
    return "questions: " + "[" * depth + "]" * depth + "\n"


def many_questions(count: int) -> str:
    return "questions:\n" + "".join(f"  - {{id: q{n}}}\n" for n in range(count))


Make = Callable[[Path], Path]  # builds the thing inside a folder, returns its path


def fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.yaml")
    return folder / "pipe.yaml"


def folder_named_yaml(folder: Path) -> Path:
    (folder / "more.yaml").mkdir()
    return folder / "more.yaml"


def self_loop(folder: Path) -> Path:
    (folder / "loop.yaml").symlink_to("loop.yaml")
    return folder / "loop.yaml"


def two_link_loop(folder: Path) -> Path:
    (folder / "a.yaml").symlink_to("b.yaml")
    (folder / "b.yaml").symlink_to("a.yaml")
    return folder / "a.yaml"


def link_to_dev_zero(folder: Path) -> Path:
    (folder / "zero.yaml").symlink_to("/dev/zero")
    return folder / "zero.yaml"


def broken_link(folder: Path) -> Path:
    (folder / "gone.yaml").symlink_to("missing.yaml")
    return folder / "gone.yaml"


def text_file(name: str, text: str | bytes) -> Make:
    def make(folder: Path) -> Path:
        target = folder / name
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    return make


def too_big(folder: Path) -> Path:
    target = folder / "huge.yaml"
    with target.open("wb") as out:
        out.write(b"questions:\n")
        out.write(b"# " + b"x" * (MAX_PACK_BYTES) + b"\n")
    return target


@dataclass(frozen=True)
class Case:
    make: Make
    message: str  # a fragment of the one problem, when the path is named itself
    listed: str | None = None  # the fragment when its folder is named instead (None: same)
    line: int = 0
    also: tuple[str, ...] = ()  # other files of the folder reported alike when it is named


CASES = {
    "fifo": Case(fifo, "is a named pipe (FIFO), not a pack file"),
    "folder named x.yaml": Case(
        folder_named_yaml,
        "no *.yaml packs in this folder",
        "is a folder, not a pack file (packs inside a sub-folder are not loaded",
    ),
    "symlink to itself": Case(self_loop, "symbolic link loop"),
    "two symlinks in a loop": Case(two_link_loop, "symbolic link loop", also=("b.yaml",)),
    "link to /dev/zero": Case(link_to_dev_zero, "is a device, not a pack file"),
    "broken link": Case(broken_link, "broken symbolic link (points to missing.yaml"),
    "file over the size limit": Case(too_big, "file too large: 4.0 MiB (limit 4 MiB)"),
    "nesting over the depth limit": Case(
        text_file("deep.yaml", nested(MAX_DEPTH + 5)),
        f"YAML nested deeper than {MAX_DEPTH} levels",
        line=1,
    ),
    "absurd nesting": Case(
        text_file("deeper.yaml", nested(20_000)),
        "YAML syntax error: exceeded maximum nesting",
        line=1,
    ),
    "alias bomb in an id": Case(
        text_file("laughs.yaml", billion_laughs()),
        "YAML aliases expand to more than 300,000 values",
        line=7,
    ),
    "merge-key bomb": Case(
        text_file("merges.yaml", merge_bomb()),
        "YAML aliases expand to more than 300,000 values",
        line=15,
    ),
    "too many questions in one pack": Case(
        text_file("many.yaml", many_questions(MAX_PACK_QUESTIONS + 1)),
        "too many questions: 5,001 (limit 5,000 per pack); split it",
        line=1,
    ),
}


@pytest.mark.parametrize("named", ["itself", "its folder"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_one_problem_naming_the_file(
    case: Case, named: str, tmp_path: Path
) -> None:
    """Each hostile path or YAML is one problem naming its file, in bounded time and memory."""
    folder = tmp_path / "packs"
    folder.mkdir()
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    target = case.make(folder)
    tracemalloc.start()
    started = time.process_time()
    try:
        result = load_packs([tmp_path / "concepts.yaml", target if named == "itself" else folder])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 10
    assert peak < 64 * 1024 * 1024
    message = case.message if named == "itself" or case.listed is None else case.listed
    also = () if named == "itself" else tuple(str(folder / name) for name in case.also)
    assert [(p.path, p.question_id) for p in result.problems] == [
        (path, None) for path in (str(target), *also)
    ]
    problem = result.problems[0]
    assert message in problem.message
    assert problem.line == case.line
    assert "\n" not in str(problem)
    assert not result.ok


def test_the_check_command_names_a_self_looping_path(tmp_path: Path, capsys) -> None:
    """`questions check` on a self-looping link prints one line naming it (no unexpected error)."""
    loop = self_loop(tmp_path)
    assert main(["questions", "check", "--shipped", str(tmp_path / "none"), str(loop)]) == 1
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.splitlines() == [
        f"{loop}:0: -: symbolic link loop (the link leads back to itself)",
        "0 questions in 0 files: 1 problem",
    ]


def test_a_path_with_a_nul_byte_is_a_problem(tmp_path: Path) -> None:
    """A path no system call accepts is reported, not raised."""
    result = load_packs([tmp_path / "bad\x00name.yaml"])
    [problem] = result.problems
    assert "bad path" in problem.message and "bad\\x00name.yaml" in problem.path


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder an unprivileged user can enter (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="studybot-unreadable-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _load_as_nobody(path: Path) -> list[str]:
    """Load a pack in a child process that has dropped root, so file permissions apply."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            lines = [str(p) for p in load_packs([path]).problems]
            os.write(write, "\n".join(lines).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read().decode()
    os.waitpid(child, 0)
    return data.splitlines()


def test_an_unreadable_file_is_named(world_readable_dir: Path) -> None:
    """A pack the bot may not read is one problem naming it."""
    pack = world_readable_dir / "secret.yaml"
    pack.write_text(CONCEPTS, encoding="utf-8")
    pack.chmod(0)
    if os.geteuid() == 0:
        lines = _load_as_nobody(pack)
    else:
        lines = [str(p) for p in load_packs([pack]).problems]
    assert lines == [f"{pack}:0: -: cannot read: permission denied"]


def test_a_link_to_a_real_pack_loads_and_the_same_file_loads_once(tmp_path: Path) -> None:
    """An ordinary symlink to a pack is followed; naming a file twice loads it once."""
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    (tmp_path / "real.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    result = load_packs([tmp_path, tmp_path / "link.yaml"])
    assert result.problems == ()
    assert [q.id for q in result.bank.questions] == ["rag-current-policy"]


def test_small_anchors_and_merges_still_load(tmp_path: Path) -> None:
    """Anchors that repeat a small part of a pack stay allowed under the expansion limit."""
    text = GOOD.replace("    tags: []\n", "    tags: &tags [basics]\n") + GOOD.replace(
        "questions:\n", ""
    ).replace("rag-current-policy", "rag-second").replace("tags: []", "tags: *tags").replace(
        "current documents", "latest documents from the store"
    )
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    result = load_packs([tmp_path])
    assert result.problems == ()
    assert [q.tags for q in result.bank.questions] == [("basics",), ("basics",)]


def test_questions_over_the_total_limit_leave_the_later_pack_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the limit on questions loaded together, the pack crossing it is named and left out."""
    monkeypatch.setattr(bot.core.packs, "MAX_LOADED_QUESTIONS", 1)
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("rag-current-policy", "rag-b"), encoding="utf-8")
    result = load_packs([tmp_path])
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'b.yaml'}:1: -: pack not loaded: with it the packs would hold 2 questions"
        " (limit 1 in all)"
    ]
    assert [q.id for q in result.bank.questions] == ["rag-current-policy"]


WORDS = re.findall(
    r"[a-z]+", (Path(__file__).read_text() + Path(bot.core.packs.__file__).read_text()).lower()
)


def realistic_prompt(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "?"


def generated_pack(count: int, rng: random.Random) -> str:
    """A valid pack of `count` single questions written straight as YAML text."""
    parts = ["questions:\n"]
    for n in range(count):
        key = "abcd"[n % 4]
        choices = "".join(f'      - "{realistic_prompt(rng)[:80]} {c}"\n' for c in "abcd")
        wrong = "".join(f"      {c}: Not this one.\n" for c in "abcd" if c != key)
        parts.append(
            f"  - id: gen-q{n}\n    concept: adapt.rag\n    type: single\n"
            f"    difficulty: {1 + n % 3}\n    tags: [scenario]\n"
            f'    prompt: "{realistic_prompt(rng)}"\n    choices:\n{choices}'
            f"    answer: {key}\n"
            f'    explanation: "{realistic_prompt(rng)}"\n    rationales:\n{wrong}'
        )
    return "".join(parts)


def test_checking_2500_questions_takes_a_few_seconds(tmp_path: Path) -> None:
    """A 2,500-question pack (over 1 MB) is parsed and checked in a few seconds of CPU."""
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    (tmp_path / "big.yaml").write_text(generated_pack(2_500, random.Random(11)), encoding="utf-8")
    assert (tmp_path / "big.yaml").stat().st_size > 1_000_000
    started = time.process_time()
    result = load_packs([tmp_path])
    elapsed = time.process_time() - started
    assert result.problems == ()
    assert len(result.bank.questions) == 2_500
    assert elapsed < 8, f"{elapsed:.1f}s of CPU"


def test_the_index_still_finds_prompts_reworded_word_by_word() -> None:
    """Near duplicates made by replacing, inserting or deleting words are still found."""
    rng = random.Random(4)
    base = [realistic_prompt(rng) for _ in range(400)]
    variants = []
    for prompt in base[:100]:
        words = prompt.split()
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        words.insert(rng.randrange(len(words)), "really")
        variants.append(" ".join(words))
    close = [
        n
        for n, variant in enumerate(variants)
        if difflib.SequenceMatcher(
            None, normalise_prompt(base[n]), normalise_prompt(variant), autojunk=False
        ).ratio()
        >= NEAR_DUPLICATE
    ]
    assert len(close) >= 80  # most rewordings stay near duplicates by difflib's measure
    found = near_duplicates(base + variants)
    assert sorted((later - 400, earlier) for later, earlier, _ in found) == [(n, n) for n in close]
