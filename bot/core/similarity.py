"""Near-duplicate prompts: two questions that ask the same thing in other words.

Two prompts are near duplicates when difflib's ratio of their normalised forms
is at least NEAR_DUPLICATE. Comparing every pair is quadratic, far too slow for
a few thousand questions, so pairs are first drawn from an index:

- each prompt becomes the set of its word stems (the first STEM letters of each
  word, so "policy" and "policies" agree, and a typo late in a word is ignored);
- only prompts sharing at least MIN_SHARED_STEMS of the larger stem set are
  candidates. Prefix filtering finds exactly those pairs: order stems rarest
  first; two sets sharing that many stems must share a stem among the first
  `len - needed + 1` of each, so each prompt is indexed by that prefix only;
- a candidate pair then passes three cheap upper bounds of the ratio (lengths,
  letter counts, longest common subsequence) before difflib computes it.

A prompt rewritten by whole words (words replaced, inserted, deleted, or given
another ending) keeps well over half its stems at 0.85, so the index finds it
(tests/core/test_similarity.py). What it can miss is a prompt garbled by typos
in most of its words; near-duplicate checking is for reworded questions, and
this keeps 2,500 prompts to about a second instead of minutes.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence

NEAR_DUPLICATE = 0.85
STEM = 3
MIN_SHARED_STEMS = 0.5


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


def _needed(size: int) -> int:
    """How many stems a set of this size must share with a candidate partner."""
    return max(1, math.ceil(MIN_SHARED_STEMS * size))


def _candidates(texts: Sequence[str]) -> list[list[int]]:
    """For each prompt, the earlier prompts sharing enough word stems, in ascending order."""
    stems = [{word[:STEM] for word in text.split()} for text in texts]
    frequency = Counter(stem for found in stems for stem in found)
    # Each stem is a bit, rarest first: a prompt's stem set is one integer.
    order = sorted(frequency, key=lambda stem: (frequency[stem], stem))
    bit = {stem: i for i, stem in enumerate(order)}
    masks = [sum(1 << bit[stem] for stem in found) for found in stems]
    needs = [_needed(len(found)) for found in stems]
    index: dict[int, list[int]] = {}
    result: list[list[int]] = []
    for later, found in enumerate(stems):
        ranks = sorted(bit[stem] for stem in found)
        prefix = ranks[: len(ranks) - needs[later] + 1]
        seen: set[int] = set()
        for rank in prefix:
            seen.update(index.get(rank, ()))
        mask, need = masks[later], needs[later]
        result.append(
            [
                earlier
                for earlier in sorted(seen)
                if (mask & masks[earlier]).bit_count() >= max(need, needs[earlier])
            ]
        )
        for rank in prefix:
            index.setdefault(rank, []).append(later)
    return result


def near_duplicates(prompts: Sequence[str]) -> list[tuple[int, int, float]]:
    """(later, earlier, ratio) for each prompt that nearly repeats an earlier one.

    Each later prompt is reported once, against the first earlier match.
    """
    texts = [normalise_prompt(p) for p in prompts]
    candidates = _candidates(texts)
    counts: dict[int, Counter[str]] = {}
    masks: dict[int, dict[str, int]] = {}
    found: list[tuple[int, int, float]] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for later, earlier_ones in enumerate(candidates):
        if not earlier_ones:
            continue
        text = texts[later]
        matcher.set_seq2(text)
        later_counts = counts.setdefault(later, Counter(text))
        for earlier in earlier_ones:
            other = texts[earlier]
            need = NEAR_DUPLICATE * (len(text) + len(other)) / 2
            if not need or min(len(text), len(other)) < need:
                continue
            other_counts = counts.setdefault(earlier, Counter(other))
            if sum((later_counts & other_counts).values()) < need:
                continue
            other_masks = masks.setdefault(earlier, _char_masks(other))
            if _common_subsequence(other, other_masks, text) < need:
                continue
            matcher.set_seq1(other)
            ratio = matcher.ratio()
            if ratio >= NEAR_DUPLICATE:
                found.append((later, earlier, ratio))
                break
    return found
