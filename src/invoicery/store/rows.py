"""What the repositories map from: a result row read by column name."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["ColumnValues"]


class ColumnValues(Protocol):
    """A result row read by column name: SQLAlchemy's `RowMapping` or asyncpg's `Record`."""

    def __getitem__(self, key: str, /) -> Any: ...
