"""Questions and concepts: the domain model of the bank.

Loading and validating packs lives in bot/core/packs.py; this module is the
shape every other part of the core relies on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

LETTERS = "abcde"


@dataclass(frozen=True)
class Point:
    """One syllabus point: a distinct, testable statement of a concept."""

    id: str  # a stable slug such as "basics.code-generation"
    text: str
    source: str = field(default="", compare=False)  # "file:line" where it was declared


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    concept: str
    type: str  # "single" | "truefalse"
    prompt: str
    choices: tuple[str, ...]  # truefalse questions have ("True", "False")
    answer: int  # index into choices
    explanation: str
    rationales: tuple[str | None, ...]  # one per choice; None for the right one
    difficulty: int
    tags: tuple[str, ...] = ()
    source: str = ""  # "file:line" where the question was defined
    points: tuple[str, ...] = ()  # ids of the syllabus points that decide its key
    scenario: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", "scenario" in self.tags)

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer]

    def content_hash(self) -> str:
        """A stable digest of what a learner sees, so edits can be detected on sync."""
        payload = json.dumps(
            [self.concept, self.type, self.prompt, self.choices, self.answer, self.explanation],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QuestionBank:
    concepts: tuple[Concept, ...]
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def get(self, question_id: str) -> Question | None:
        by_id: dict[str, Question] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(question_id)

    def concept_ids(self) -> list[str]:
        return [c.id for c in self.concepts]

    def point_ids(self) -> list[str]:
        """Every syllabus point the bank's concepts declare, in declaration order."""
        return [p.id for c in self.concepts for p in c.points]

    def in_concept(self, concept: str | None) -> list[Question]:
        return [q for q in self.questions if concept is None or q.concept == concept]
