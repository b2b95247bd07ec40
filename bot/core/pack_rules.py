"""What a valid question pack is: the rules for one pack and one question.

The loader (bot/core/packs.py) turns YAML into LinedDict/LinedList values that
remember where they came from; the rules here read those values and either
build a Question or report Problems naming the file, the line and the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.core.pack_nodes import (
    LinedDict,
    LinedList,
    Problem,
    did_you_mean,
    key_text,
    kind,
    show,
)
from bot.core.pack_syllabus import read_pack
from bot.core.questions import LETTERS, Question

__all__ = [
    "FIELDS",
    "FILLER_CHOICE",
    "QUESTION_ID",
    "CheckedQuestion",
    "LinedDict",
    "LinedList",
    "Problem",
    "check_question",
    "kind",
    "read_pack",
    "show",
]

FIELDS = (
    "id",
    "concept",
    "type",
    "difficulty",
    "tags",
    "prompt",
    "choices",
    "answer",
    "explanation",
    "rationales",
    "points",
)
REQUIRED = tuple(f for f in FIELDS if f not in ("choices", "points"))
TYPES = ("single", "truefalse")
DIFFICULTIES = (1, 2, 3)
MIN_CHOICES, MAX_CHOICES = 3, 5
MAX_PROMPT, MAX_CHOICE, MAX_EXPLANATION, MAX_RATIONALE = 300, 120, 600, 200
TRUE_FALSE = ("True", "False")

QUESTION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TAG = re.compile(r"^[^\s,]+$")
FILLER_CHOICE = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedQuestion:
    """One question mapping after the per-question rules; `question` is None if invalid."""

    path: str
    line: int
    question_id: str | None
    id_line: int
    prompt: str | None
    question: Question | None
    problems: tuple[Problem, ...]


class _Reporter:
    """Collects the problems of one question, all naming its file and id."""

    def __init__(self, path: str, question_id: str | None, node: LinedDict) -> None:
        self.path, self.question_id, self.node = path, question_id, node
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, self.question_id, message))

    def at(self, key: str, message: str) -> None:
        self.add(self.node.line_of(key), message)


def check_question(
    path: str,
    node: object,
    line: int,
    concepts: Collection[str],
    points: Collection[str] = (),
) -> CheckedQuestion:
    """Apply the per-question rules to one question node and build its Question.

    `points` are the syllabus point ids the question's `points:` key may name.
    """
    if not isinstance(node, LinedDict):
        message = f"a question must be a mapping of fields, got {kind(node)}"
        return CheckedQuestion(
            path, line, None, line, None, None, (Problem(path, line, None, message),)
        )
    raw_id = node.get("id")
    question_id = raw_id if isinstance(raw_id, str) and raw_id else None
    r = _Reporter(path, question_id, node)
    for key, key_line in node.duplicate_keys:
        r.add(key_line, f"duplicate key '{key_text(key)}' (also at line {node.line_of(key)})")
    for key in node:
        if key not in FIELDS:
            r.add(node.line_of(key), f"unknown field '{key_text(key)}'{did_you_mean(key, FIELDS)}")
    for field in REQUIRED:
        if field not in node:
            r.add(node.line, f"missing field '{field}'")

    if "id" in node and not (isinstance(raw_id, str) and QUESTION_ID.fullmatch(raw_id)):
        r.at(
            "id", f"id must be a slug of lowercase letters, digits and hyphens, got {show(raw_id)}"
        )
    qtype = _word(r, "type", TYPES)
    concept = _text(r, "concept", 200)
    if concept is not None and concept not in concepts:
        r.at(
            "concept",
            f"unknown concept '{key_text(concept)}'{did_you_mean(concept, sorted(concepts))}",
        )
    difficulty = _difficulty(r)
    tags = _tags(r)
    prompt = _text(r, "prompt", MAX_PROMPT)
    explanation = _text(r, "explanation", MAX_EXPLANATION)

    choices: tuple[str, ...] | None = None
    answer: int | None = None
    labels: tuple[str, ...] = ()
    if qtype == "single":
        choices = _choices(r)
        labels = tuple(LETTERS[: len(choices)]) if choices else ()
        answer = _letter_answer(r, choices)
    elif qtype == "truefalse":
        if "choices" in node:
            r.at("choices", "a truefalse question takes no 'choices' (they are True and False)")
        choices, labels = TRUE_FALSE, ("true", "false")
        answer = _true_false_answer(r)
    rationales = _rationales(r, qtype, labels, answer)
    tested = _points(r, points)

    question = None
    if not r.problems:
        assert question_id and qtype and concept and prompt and explanation
        assert choices and answer is not None and rationales and difficulty and tags is not None
        question = Question(
            id=question_id,
            concept=concept,
            type=qtype,
            prompt=prompt,
            choices=choices,
            answer=answer,
            explanation=explanation,
            rationales=rationales,
            difficulty=difficulty,
            tags=tags,
            source=f"{path}:{node.line}",
            points=tested,
        )
    return CheckedQuestion(
        path, node.line, question_id, node.line_of("id"), prompt, question, tuple(r.problems)
    )


def _text(r: _Reporter, field: str, limit: int) -> str | None:
    if field not in r.node:
        return None
    value = r.node[field]
    if not isinstance(value, str):
        r.at(field, f"'{field}' must be text, got {kind(value)}")
        return None
    text = value.strip()
    if not text:
        r.at(field, f"'{field}' is empty")
        return None
    if len(text) > limit:
        r.at(field, f"{field} is too long: {len(text)} characters (limit {limit})")
        return None
    return text


def _word(r: _Reporter, field: str, allowed: Sequence[str]) -> str | None:
    value = r.node.get(field)
    if field in r.node and value not in allowed:
        r.at(field, f"'{field}' must be one of {', '.join(allowed)}, got {show(value)}")
        return None
    return value if isinstance(value, str) else None


def _difficulty(r: _Reporter) -> int | None:
    value = r.node.get("difficulty")
    if "difficulty" not in r.node:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        r.at("difficulty", f"'difficulty' must be a number 1-3, got {kind(value)}")
        return None
    if value not in DIFFICULTIES:
        r.at("difficulty", f"'difficulty' must be 1, 2 or 3, got {value}")
        return None
    return value


def _tags(r: _Reporter) -> tuple[str, ...] | None:
    value = r.node.get("tags")
    if "tags" not in r.node:
        return None
    if not isinstance(value, LinedList):
        r.at("tags", f"'tags' must be a list of words, got {kind(value)}")
        return None
    # One word each, so a tag survives the CSV round trip (tags are space/comma separated).
    bad = [i for i, tag in enumerate(value) if not isinstance(tag, str) or not TAG.fullmatch(tag)]
    for i in bad:
        message = f"tag {i + 1} must be one word (no spaces or commas), got {show(value[i])}"
        r.add(value.line_of(i), message)
    return None if bad else tuple(str(tag) for tag in value)


def _points(r: _Reporter, known: Collection[str]) -> tuple[str, ...]:
    """The syllabus point ids a question names; each must be declared by some concept."""
    if "points" not in r.node:
        return ()
    value = r.node["points"]
    if not isinstance(value, LinedList):
        r.at("points", f"'points' must be a list of syllabus point ids, got {kind(value)}")
        return ()
    if not value:
        r.at("points", "'points' is empty: name the syllabus points or leave the key out")
        return ()
    ids: list[str] = []
    for i, item in enumerate(value):
        line = value.line_of(i)
        if not isinstance(item, str):
            r.add(line, f"point {i + 1} must be a syllabus point id, got {kind(item)}")
        elif item not in known:
            hint = did_you_mean(item, sorted(known))
            r.add(line, f"unknown syllabus point '{key_text(item)}'{hint}")
        elif item in ids:
            r.add(line, f"syllabus point '{item}' is named twice")
        else:
            ids.append(item)
    return tuple(ids)


def _choice_name(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def _choices(r: _Reporter) -> tuple[str, ...] | None:
    if "choices" not in r.node:
        r.add(r.node.line, "missing field 'choices' (a single question needs 3-5 choices)")
        return None
    value = r.node["choices"]
    if not isinstance(value, LinedList):
        r.at("choices", f"'choices' must be a list of {MIN_CHOICES}-{MAX_CHOICES} options")
        return None
    count_ok = MIN_CHOICES <= len(value) <= MAX_CHOICES
    if len(value) < MIN_CHOICES:
        r.at("choices", f"too few choices: {len(value)} (need {MIN_CHOICES}-{MAX_CHOICES})")
    elif len(value) > MAX_CHOICES:
        r.at("choices", f"too many choices: {len(value)} (need {MIN_CHOICES}-{MAX_CHOICES})")
    before = len(r.problems)
    seen: dict[str, str] = {}
    texts: list[str] = []
    for i, item in enumerate(value):
        name, line = _choice_name(i), value.line_of(i)
        if not isinstance(item, str):
            r.add(line, f"choice {name} must be text, got {kind(item)} (quote it)")
            continue
        text = item.strip()
        key = " ".join(text.casefold().split())
        if not text:
            r.add(line, f"choice {name} is empty")
        elif len(text) > MAX_CHOICE:
            r.add(line, f"choice {name} is too long: {len(text)} characters (limit {MAX_CHOICE})")
        elif FILLER_CHOICE.search(text):
            r.add(line, f"choice {name} is an 'all/none of the above' option; write a real one")
        elif key in seen:
            r.add(line, f"choice {name} repeats choice {seen[key]}")
        seen.setdefault(key, name)
        texts.append(text)
    return tuple(texts) if count_ok and len(r.problems) == before else None


def _letter_answer(r: _Reporter, choices: tuple[str, ...] | None) -> int | None:
    if "answer" not in r.node:
        return None
    value = r.node["answer"]
    if not isinstance(value, str) or len(value) != 1 or value not in LETTERS:
        r.at("answer", f"answer must be a choice letter a-e, got {show(value)}")
        return None
    index = LETTERS.index(value)
    if choices is not None and index >= len(choices):
        last = LETTERS[len(choices) - 1]
        r.at("answer", f"answer '{value}' is not among the choices (a-{last})")
        return None
    return index


def _true_false_answer(r: _Reporter) -> int | None:
    if "answer" not in r.node:
        return None
    value = r.node["answer"]
    if not isinstance(value, bool):
        r.at("answer", f"answer must be true or false, got {show(value)}")
        return None
    return 0 if value else 1


def _true_false_label(key: object) -> object:
    if isinstance(key, bool):
        return "true" if key else "false"
    return key.lower() if isinstance(key, str) and key.lower() in ("true", "false") else key


def _rationales(
    r: _Reporter, qtype: str | None, labels: tuple[str, ...], answer: int | None
) -> tuple[str | None, ...] | None:
    if "rationales" not in r.node:
        return None
    value = r.node["rationales"]
    if not isinstance(value, LinedDict):
        r.at("rationales", f"'rationales' must map each wrong choice to a line, got {kind(value)}")
        return None
    for key, line in value.duplicate_keys:
        r.add(line, f"duplicate rationale '{key_text(key)}' (also at line {value.line_of(key)})")
    if not labels:  # the choices are already reported as broken
        return None
    label: Callable[[object], object] = _true_false_label if qtype == "truefalse" else str
    texts: dict[str, str] = {}
    before = len(r.problems)
    for key, text in value.items():
        name, line = label(key), value.line_of(key)
        if name not in labels:
            r.add(
                line,
                f"rationale for '{key_text(key)}', which is not a choice ({', '.join(labels)})",
            )
        elif answer is not None and name == labels[answer]:
            r.add(line, f"rationale for the right answer '{name}': leave it out")
        elif not isinstance(text, str) or not text.strip():
            r.add(line, f"rationale '{name}' must be text, got {kind(text)}")
        elif len(text.strip()) > MAX_RATIONALE:
            message = f"rationale '{name}' is too long: {len(text.strip())} characters"
            r.add(line, f"{message} (limit {MAX_RATIONALE})")
        else:
            texts[str(name)] = text.strip()
    if answer is None:
        return None
    for i, name in enumerate(labels):
        if i != answer and name not in texts and name not in map(label, value):
            r.at("rationales", f"missing rationale for wrong choice '{name}'")
    if len(r.problems) > before:
        return None
    return tuple(None if i == answer else texts[name] for i, name in enumerate(labels))
