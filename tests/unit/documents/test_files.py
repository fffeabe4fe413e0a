"""The per-process file cache of rendered PDFs: complete files, a byte budget, late unlinks."""

from __future__ import annotations

from pathlib import Path

from invoicery.documents.files import FileCache


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_put_file_holds_the_content_and_is_found_again(tmp_path: Path) -> None:
    cache = FileCache(max_bytes=100, directory=tmp_path)
    stored = cache.put("a", b"%PDF-a")
    assert stored.path.read_bytes() == b"%PDF-a"
    assert stored.size == 6
    assert cache.get("a") == stored
    assert cache.get("b") is None
    assert cache.put("a", b"%PDF-a") == stored  # the same key keeps its file
    assert [path.suffix for path in tmp_path.iterdir()] == [".pdf"]  # no partial file left


def test_evicted_files_are_unlinked_only_after_the_grace_period(tmp_path: Path) -> None:
    clock = Clock()
    cache = FileCache(max_bytes=20, grace_seconds=60, directory=tmp_path, clock=clock)
    first = cache.put("a", bytes(10))
    second = cache.put("b", bytes(10))
    assert cache.get("a") == first  # now b is the oldest
    cache.put("c", bytes(10))
    assert cache.get("b") is None
    assert (len(cache), cache.size) == (2, 20)
    assert second.path.exists()  # a response may still be sending it
    clock.now = 61
    cache.put("d", bytes(10))
    assert not second.path.exists()
    assert cache.size <= 20


def test_a_file_removed_behind_its_back_is_a_miss(tmp_path: Path) -> None:
    cache = FileCache(max_bytes=100, directory=tmp_path)
    cache.put("a", b"x").path.unlink()
    assert cache.get("a") is None
    assert cache.size == 0


def test_its_own_directory_goes_with_it() -> None:
    cache = FileCache(max_bytes=100)
    directory = cache.directory
    cache.put("a", b"x")
    del cache
    assert not directory.exists()
