"""The bit-parallel common-subsequence bound agrees with the textbook definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.similarity import _char_masks, _common_subsequence

TEXT = st.text(alphabet="abcde ", max_size=24)


def lcs(a: str, b: str) -> int:
    """Longest common subsequence by dynamic programming."""
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], previous + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


@given(TEXT, TEXT)
def test_the_bit_parallel_length_is_the_longest_common_subsequence(a: str, b: str) -> None:
    """For any two short texts the fast method returns exactly the LCS length."""
    assert _common_subsequence(a, _char_masks(a), b) == lcs(a, b)


def test_known_lengths() -> None:
    """A few cases worked by hand, including empty and identical texts."""
    for a, b, length in [
        ("", "abc", 0),
        ("abc", "", 0),
        ("abc", "abc", 3),
        ("abcbdab", "bdcaba", 4),
    ]:
        assert _common_subsequence(a, _char_masks(a), b) == length
    assert _char_masks("abca") == {"a": 0b1001, "b": 0b0010, "c": 0b0100}
