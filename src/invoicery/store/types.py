"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, DateTime, Text, cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["JsonDocument", "UtcDateTime", "decode_json_text", "json_as_text"]


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite stores it as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """asyncpg already returns timestamptz as aware UTC datetimes: nothing to do per row."""
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def json_as_text(columns: Iterable[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    """`columns` with each JSON document fetched as its text, under its own name.

    The driver then decodes nothing: `decode_json_text` does it later, where the
    caller chooses (off the event loop, for a page of large invoices).
    """
    return [
        cast(column, Text).label(column.key)
        if isinstance(column.type, JSON) and column.key
        else column
        for column in columns
    ]


def decode_json_text(row: Mapping[Any, Any], names: Iterable[str]) -> dict[Any, Any]:
    """A copy of `row` with the JSON text of the columns `names` decoded."""
    decoded = dict(row)
    for name in names:
        text = decoded[name]
        if text is not None:
            decoded[name] = orjson.loads(text)
    return decoded
