"""The per-process LRU of rendered PDFs stays within its byte budget."""

from __future__ import annotations

from invoicery.documents.memory import MemoryCache


def test_least_recently_used_entries_go_first() -> None:
    cache = MemoryCache(max_bytes=30, max_item_bytes=30)
    cache.put("a", b"a" * 10)
    cache.put("b", b"b" * 10)
    cache.put("c", b"c" * 10)
    assert cache.get("a") == b"a" * 10  # now b is the oldest
    cache.put("d", b"d" * 10)
    assert cache.get("b") is None
    assert [cache.get(key) is not None for key in "acd"] == [True, True, True]
    assert (len(cache), cache.size) == (3, 30)


def test_the_budget_holds_for_uneven_sizes_and_replacements() -> None:
    cache = MemoryCache(max_bytes=100, max_item_bytes=60)
    for index in range(50):
        cache.put(index % 7, bytes(index % 60 + 1))
        assert cache.size <= 100
        assert cache.size == sum(len(cache.get(key) or b"") for key in range(7))


def test_a_file_larger_than_the_item_limit_is_not_kept() -> None:
    cache = MemoryCache(max_bytes=100, max_item_bytes=40)
    cache.put("small", bytes(40))
    cache.put("large", bytes(41))
    assert cache.get("large") is None
    assert cache.get("small") == bytes(40)
    assert cache.size == 40
