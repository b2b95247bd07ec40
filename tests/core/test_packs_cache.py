"""The bank cache: start-up takes the checked shipped bank from it only while no pack file
changed, and a broken pack is refused naming the file whatever the cache holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SHIPPED_QUESTIONS
from bot.core.pack_bank import BankCache, InvalidShippedPack, load_bank
from tests.core.test_pack_loading import EXTRA, SHIPPED, write


def shipped_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "questions"
    folder.mkdir()
    for pack in SHIPPED_QUESTIONS.glob("*.yaml"):
        shutil.copy(pack, folder / pack.name)
    return folder


def test_the_shipped_bank_comes_back_from_the_cache_whole(tmp_path: Path) -> None:
    """Every field of every question and concept survives the cache (the real bank)."""
    shipped = shipped_copy(tmp_path)
    first = BankCache(tmp_path / "cache")
    loaded, _ = load_bank(shipped, [], first)
    assert first.outcome == "stored"
    again = BankCache(tmp_path / "cache")
    cached, warnings = load_bank(shipped, [], again)
    assert again.outcome == "hit" and warnings == []
    assert cached == loaded and len(cached.questions) >= 300
    assert [q.source for q in cached.questions] == [q.source for q in loaded.questions]
    assert [p.source for c in cached.concepts for p in c.points] == [
        p.source for c in loaded.concepts for p in c.points
    ]


def test_an_edited_question_file_is_read_again(tmp_path: Path) -> None:
    """A changed prompt reaches the bank at the next start, not the cached one."""
    shipped = tmp_path / "shipped"
    pack = write(shipped, "a.yaml", SHIPPED)
    load_bank(shipped, [], BankCache(tmp_path / "cache"))
    pack.write_text(SHIPPED.replace("leave policy", "travel policy"))
    cache = BankCache(tmp_path / "cache")
    bank, _ = load_bank(shipped, [], cache)
    assert cache.outcome == "stored"
    assert "travel policy" in bank.questions[0].prompt


def test_a_pack_file_added_to_the_folder_is_read(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    load_bank(shipped, [], BankCache(tmp_path / "cache"))
    write(shipped, "b.yaml", EXTRA)
    cache = BankCache(tmp_path / "cache")
    bank, _ = load_bank(shipped, [], cache)
    assert cache.outcome == "stored"
    assert [q.id for q in bank.questions] == ["rag-one", "extra-one"]


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (SHIPPED.replace("answer: b", "answer: z"), "answer must be a choice letter a-e, got 'z'"),
        (SHIPPED.replace("    type: single\n", "    type: [single\n"), "YAML syntax error"),
    ],
)
def test_a_malformed_file_is_refused_naming_it_though_the_cache_holds_the_bank(
    tmp_path: Path, broken: str, said: str
) -> None:
    """The cached bank is never a way round a broken file, and a broken bank is never stored."""
    shipped = tmp_path / "shipped"
    pack = write(shipped, "a.yaml", SHIPPED)
    load_bank(shipped, [], BankCache(tmp_path / "cache"))
    pack.write_text(broken)
    with pytest.raises(InvalidShippedPack) as raised:
        load_bank(shipped, [], BankCache(tmp_path / "cache"))
    assert f"{pack}:" in str(raised.value) and said in str(raised.value)
    pack.write_text(SHIPPED)
    cache = BankCache(tmp_path / "cache")
    load_bank(shipped, [], cache)
    assert cache.outcome == "hit"  # the good bank's entry was kept


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    load_bank(shipped, [], BankCache(tmp_path / "cache"))
    [stored] = (tmp_path / "cache").iterdir()
    for damage in (stored.read_text()[:100], '{"key": 1}', "[]", "[" * 100_000):
        stored.write_text(damage)
        cache = BankCache(tmp_path / "cache")
        bank, _ = load_bank(shipped, [], cache)
        assert cache.outcome == "stored" and [q.id for q in bank.questions] == ["rag-one"]


def test_a_cache_folder_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    cache = BankCache(blocked)
    bank, _ = load_bank(shipped, [], cache)
    assert cache.outcome == "not stored" and [q.id for q in bank.questions] == ["rag-one"]


def test_extra_packs_are_checked_at_every_start(tmp_path: Path) -> None:
    """Only the shipped bank is cached: an extra pack's warnings come back each time."""
    shipped = tmp_path / "shipped"
    write(shipped, "a.yaml", SHIPPED)
    extra = write(tmp_path / "extra", "b.yaml", EXTRA.replace("answer: b", "answer: z"))
    for _ in range(2):
        bank, warnings = load_bank(shipped, [extra.parent], BankCache(tmp_path / "cache"))
        assert [q.id for q in bank.questions] == ["rag-one"]
        assert any(w.path == str(extra) and "pack skipped" in w.message for w in warnings)
