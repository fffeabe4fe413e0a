"""Rendered PDFs as files of this process, so responses can send them without copying.

One `FileCache` per server process keeps the most recently used PDFs in a private
temporary directory, bounded by their total size: a download answers with the file's
path and the server sends it from the page cache (zero-copy), never reading it into
Python. Used from the event loop only (no locks). A file is written under a temporary
name and renamed, so its path only ever names a complete PDF. An evicted file is
unlinked only after `grace_seconds`, so a response already sending it finds it; the
directory goes when the process exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CachedFile", "FileCache"]


@dataclass(frozen=True, slots=True)
class CachedFile:
    """A complete PDF on disk and its size in bytes."""

    path: Path
    size: int


class FileCache:
    """PDF files by key, least recently used unlinked first once `max_bytes` is exceeded."""

    def __init__(
        self,
        *,
        max_bytes: int,
        grace_seconds: float = 60.0,
        directory: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self.grace_seconds = grace_seconds
        self._clock = clock
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="invoicery-pdf-"))
            weakref.finalize(self, shutil.rmtree, directory, ignore_errors=True)
        self.directory = directory
        self._items: OrderedDict[Hashable, CachedFile] = OrderedDict()
        self._evicted: deque[tuple[float, Path]] = deque()
        self._size = 0
        self._serial = 0

    @property
    def size(self) -> int:
        """Bytes of the files held now."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> CachedFile | None:
        """The file under `key`, marking it recently used; None if absent."""
        found = self._items.get(key)
        if found is None:
            return None
        if not found.path.exists():  # removed behind our back (a temp-directory cleaner)
            del self._items[key]
            self._size -= found.size
            return None
        self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, content: bytes) -> CachedFile:
        """Write `content` as the file under `key`, evicting the least recently used."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        self._serial += 1
        path = self.directory / f"{self._serial}.pdf"
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
        stored = CachedFile(path, len(content))
        self._items[key] = stored
        self._size += stored.size
        while self._size > self.max_bytes and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self._size -= evicted.size
            self._evicted.append((self._clock(), evicted.path))
        self._unlink_expired()
        return stored

    def _unlink_expired(self) -> None:
        cutoff = self._clock() - self.grace_seconds
        while self._evicted and self._evicted[0][0] <= cutoff:
            _, path = self._evicted.popleft()
            path.unlink(missing_ok=True)
