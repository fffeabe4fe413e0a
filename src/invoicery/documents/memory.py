"""A small least-recently-used map of rendered PDFs, bounded by total size in bytes.

One per server process, in front of the shared table: it saves the database round
trip for the documents downloaded most, within a fixed memory budget. Used from the
event loop only (no locks).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["MemoryCache"]


class MemoryCache:
    """PDF bytes by key, least recently used evicted first once `max_bytes` is exceeded."""

    def __init__(self, *, max_bytes: int, max_item_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_item_bytes = min(max_item_bytes, max_bytes)
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    @property
    def size(self) -> int:
        """Bytes held now."""
        return self._size

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        """The bytes under `key`, marking them recently used; None if absent."""
        content = self._items.get(key)
        if content is not None:
            self._items.move_to_end(key)
        return content

    def discard(self, key: Hashable) -> None:
        """Forget the bytes under `key`, if any."""
        previous = self._items.pop(key, None)
        if previous is not None:
            self._size -= len(previous)

    def put(self, key: Hashable, content: bytes) -> None:
        """Keep `content` under `key`, evicting old entries; too large a file is not kept."""
        if len(content) > self.max_item_bytes:
            return
        previous = self._items.pop(key, None)
        if previous is not None:
            self._size -= len(previous)
        self._items[key] = content
        self._size += len(content)
        while self._size > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self._size -= len(evicted)
