"""Near-duplicate prompts: two questions that ask the same thing in other words."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence

NEAR_DUPLICATE = 0.85


def normalise_prompt(prompt: str) -> str:
    """Lowercase, drop punctuation, collapse spaces: the form compared for near duplicates."""
    return " ".join(re.sub(r"[^\w\s]", "", prompt.casefold()).split())


def _char_masks(text: str) -> dict[str, int]:
    """For each character, a bit mask of the positions where it occurs."""
    masks: dict[str, int] = {}
    for i, char in enumerate(text):
        masks[char] = masks.get(char, 0) | (1 << i)
    return masks


def _common_subsequence(a: str, a_masks: dict[str, int], b: str) -> int:
    """Length of the longest common subsequence of a and b (Hyyrö's bit-parallel method)."""
    full = (1 << len(a)) - 1
    row = full
    for char in b:
        matched = row & a_masks.get(char, 0)
        row = ((row + matched) | (row - matched)) & full
    return len(a) - row.bit_count()


def near_duplicates(prompts: Sequence[str]) -> list[tuple[int, int, float]]:
    """(later, earlier, ratio) for each prompt that nearly repeats an earlier one.

    Each later prompt is reported once, against the first earlier match. Three
    upper bounds of SequenceMatcher.ratio() run first, cheapest first: the
    lengths (real_quick_ratio), the letter counts (quick_ratio, from counts
    made once per prompt) and the longest common subsequence; only pairs that
    pass all three pay for ratio() itself.
    """
    texts = [normalise_prompt(p) for p in prompts]
    alphabet = sorted(set().union(*texts))
    counts = [tuple(map(Counter(text).__getitem__, alphabet)) for text in texts]
    masks = [_char_masks(text) for text in texts]
    found: list[tuple[int, int, float]] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for later, text in enumerate(texts):
        matcher.set_seq2(text)
        for earlier in range(later):
            other = texts[earlier]
            need = NEAR_DUPLICATE * (len(text) + len(other)) / 2
            if (
                not need
                or min(len(text), len(other)) < need
                or sum(map(min, counts[earlier], counts[later])) < need
                or _common_subsequence(other, masks[earlier], text) < need
            ):
                continue
            matcher.set_seq1(other)
            ratio = matcher.ratio()
            if ratio >= NEAR_DUPLICATE:
                found.append((later, earlier, ratio))
                break
    return found
