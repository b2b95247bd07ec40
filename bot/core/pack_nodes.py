"""The values a parsed pack is made of, and how problems with them are worded.

bot/core/pack_yaml.py builds LinedDict/LinedList values that remember their
lines; the rules (pack_syllabus.py, pack_rules.py) read them and report
Problems naming the file, the line and the question.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as the input allows."""

    path: str
    line: int
    question_id: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        # One problem, one line, whatever text a pack smuggled into the message.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.path}:{self.line}: {self.question_id or '-'}: {message}"


class LinedDict(dict[object, object]):
    """A YAML mapping that remembers its first line and the line of each key."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[object, int] = {}
        self.duplicate_keys: list[tuple[object, int]] = []

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class LinedList(list[object]):
    """A YAML sequence that remembers its first line and the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def kind(value: object) -> str:
    """How a YAML value reads to a pack author, for 'must be X, got Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 40, 40


def show(value: object) -> str:
    """A value quoted for a message, cut short so one line stays readable.

    reprlib stops at a few items and levels, so a value built from YAML aliases
    is never written out in full.
    """
    text = _SHORT.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def key_text(key: object) -> str:
    """A mapping key for a message, cut short."""
    text = key if isinstance(key, str) else _SHORT.repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


def did_you_mean(word: object, options: Sequence[str]) -> str:
    """' (did you mean X?)' when one option is close to the word, else ''."""
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
