"""The bank the bot starts with, and a cache that spares start-up re-checking the shipped packs.

Loading the shipped packs means parsing every file, applying every rule to every
question and comparing the prompts with each other for near duplicates: a few
hundred milliseconds at each start, for files that change only when the bot is
updated or a maintainer edits them. BankCache keeps the checked shipped bank as
JSON under a key that digests

- the cache format, the Python version and the code that reads and checks packs
  (every module of bot/core, and PyYAML's version);
- the path and the bytes of every shipped pack file.

Any change gives another key, and the bank is loaded and checked in full, exactly
as without a cache: a broken file stops start-up with a problem naming the file.
Only a bank that passed is stored. A cache file that cannot be read or does not
hold what this module writes is ignored (and replaced); a folder that cannot be
written is skipped. JSON, not pickle: reading a cache runs no code.

This module imports no YAML and no rules: a start that finds its bank in the
cache reads the pack files, hashes them and builds the questions, nothing more.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.core.errors import StudyError
from bot.core.pack_files import pack_files, read_pack_file, same_file_key
from bot.core.pack_nodes import Problem
from bot.core.questions import Concept, Point, Question, QuestionBank

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
_CORE = Path(__file__).resolve().parent


class InvalidShippedPack(StudyError):
    """A pack shipped with the bot is broken: refuse to start rather than drill bad data."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        super().__init__(f"The shipped question packs have {count}:\n{lines}")


# --- the cache ------------------------------------------------------------------------


def _code_digest() -> bytes:
    """What the checked bank depends on besides the packs: this code, PyYAML, Python."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n{sys.version}\n".encode())
    sources = sorted(_CORE.glob("*.py"))
    if not sources:  # installed without its sources: no way to tell a changed rule
        raise OSError("the sources of bot/core are not there to digest")
    spec = importlib.util.find_spec("yaml")  # finds the package without importing it
    if spec is not None and spec.origin:
        sources.append(Path(spec.origin))  # its __init__ names its version
    for source in sources:
        digest.update(f"{source.name}\n".encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.digest()


class BankCache:
    """The checked shipped bank in a folder, one file per shipped pack folder.

    `outcome` says what the last load did: "hit", "stored", "not stored"
    (the folder could not be written) or "" (the packs could not be keyed:
    a file could not be read, so the full load reports it).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.outcome = ""

    def _file(self, shipped: Path) -> Path:
        name = hashlib.sha256(str(shipped.absolute()).encode()).hexdigest()[:16]
        return self.folder / f"bank-{name}.json"

    def key(self, files: Sequence[Path]) -> str | None:
        """The key of these pack files as they are now, or None when one cannot be read."""
        try:
            digest = hashlib.sha256(_code_digest())
        except OSError:
            return None
        for file in files:
            raw, problem = read_pack_file(file)
            if raw is None or problem is not None:
                return None
            digest.update(f"{file}\n{len(raw)}\n".encode())
            digest.update(raw)
        return digest.hexdigest()

    def get(self, shipped: Path, key: str) -> QuestionBank | None:
        """The bank stored under this key, or None."""
        try:
            text = self._file(shipped).read_text(encoding="utf-8")
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("key") != key:
                return None
            bank = _bank(data["bank"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            log.debug("bank cache not used: %s", error)
            return None
        self.outcome = "hit"
        return bank

    def put(self, shipped: Path, key: str, bank: QuestionBank) -> None:
        """Store the bank under its key (atomically); a folder that cannot be written is skipped."""
        text = json.dumps({"key": key, "bank": _bank_data(bank)}, ensure_ascii=False)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".bank-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self._file(shipped))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            log.debug("bank cache not stored in %s: %s", self.folder, error)
            self.outcome = "not stored"
            return
        self.outcome = "stored"


def _bank_data(bank: QuestionBank) -> dict[str, Any]:
    return {
        "concepts": [
            [c.id, c.title, [[p.id, p.text, p.source] for p in c.points]] for c in bank.concepts
        ],
        "questions": [
            [
                q.id,
                q.concept,
                q.type,
                q.prompt,
                q.choices,
                q.answer,
                q.explanation,
                q.rationales,
                q.difficulty,
                q.tags,
                q.source,
                q.points,
            ]
            for q in bank.questions
        ],
    }


def _texts(value: object, optional: bool = False) -> tuple[Any, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) or (optional and v is None) for v in value
    ):
        raise TypeError("a list of texts expected")
    return tuple(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("a text expected")
    return value


def _number(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("a number expected")
    return value


def _bank(data: dict[str, Any]) -> QuestionBank:
    """The bank _bank_data wrote; TypeError or ValueError for anything else."""
    concepts = tuple(
        Concept(
            _text(cid),
            _text(title),
            tuple(Point(_text(p), _text(t), _text(s)) for p, t, s in points),
        )
        for cid, title, points in data["concepts"]
    )
    questions = tuple(
        Question(
            id=_text(qid),
            concept=_text(concept),
            type=_text(qtype),
            prompt=_text(prompt),
            choices=_texts(choices),
            answer=_number(answer),
            explanation=_text(explanation),
            rationales=_texts(rationales, optional=True),
            difficulty=_number(difficulty),
            tags=_texts(tags),
            source=_text(source),
            points=_texts(points),
        )
        for (
            qid,
            concept,
            qtype,
            prompt,
            choices,
            answer,
            explanation,
            rationales,
            difficulty,
            tags,
            source,
            points,
        ) in data["questions"]
    )
    for q in questions:
        if not 0 <= q.answer < len(q.choices) or len(q.rationales) != len(q.choices):
            raise ValueError(f"question {q.id} does not fit its choices")
    return QuestionBank(concepts, questions)


# --- the start-up bank ----------------------------------------------------------------


def _shipped_bank(shipped: Path, cache: BankCache | None) -> tuple[QuestionBank, list[Path]]:
    """The shipped bank (from the cache when its key matches) and the shipped files.

    Raises InvalidShippedPack when a shipped pack has any error.
    """
    files, listing_problems = pack_files([shipped])
    key = cache.key(files) if cache is not None and not listing_problems else None
    if cache is not None and key is not None:
        bank = cache.get(shipped, key)
        if bank is not None:
            return bank, files
    from bot.core.packs import load_packs

    result = load_packs([shipped])
    if not result.ok:
        raise InvalidShippedPack([p for p in result.problems if p.severity == "error"])
    # store only what was read under this key (a file edited meanwhile waits for the next start)
    if cache is not None and key is not None and cache.key(files) == key:
        cache.put(shipped, key, result.bank)
    return result.bank, [Path(f) for f in result.files]


def load_bank(
    shipped: Path, extra: Sequence[Path], cache: BankCache | None = None
) -> tuple[QuestionBank, list[Problem]]:
    """The bank the bot starts with: shipped packs must be valid, bad extra packs are skipped.

    Raises InvalidShippedPack when a shipped pack has any error. An extra pack
    file with an error is left out whole and named in a warning; an extra
    question whose id the shipped bank already uses is skipped with a warning.
    With a cache, the shipped bank is taken from it when no pack file changed.
    """
    bank, shipped_list = _shipped_bank(shipped, cache)
    if not extra:
        return bank, []
    from bot.core.packs import load_packs

    shipped_files = {same_file_key(f) for f in shipped_list}
    files, path_problems = pack_files(extra)
    warnings = [replace(p, severity="warning") for p in path_problems]
    accepted = [f for f in files if same_file_key(f) not in shipped_files]
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
