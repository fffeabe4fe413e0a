"""The two shapes of a list page the services answer: by cursor and by number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["CursorPage", "NumberedPage"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    """One keyset page, newest first, and whether more items exist on either side."""

    items: Sequence[T] = field(default_factory=list)
    has_next: bool = False
    has_previous: bool = False


@dataclass(frozen=True, slots=True)
class NumberedPage(Generic[T]):
    """Page `page` (0-indexed) of `per_page` items, and the exact number of items in all."""

    items: Sequence[T]
    page: int
    per_page: int
    total_items: int

    @property
    def total_pages(self) -> int:
        """How many pages of `per_page` the items fill."""
        return -(-self.total_items // self.per_page)
