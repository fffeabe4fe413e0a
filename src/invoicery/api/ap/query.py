"""Parsing of AP list query parameters: cursors, page size and date bounds."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Query

from invoicery.api.ap.cursor import InvalidCursor, decode_cursor
from invoicery.domain.errors import BadRequest
from invoicery.store.pagination import PageRequest

__all__ = [
    "After",
    "Before",
    "CreatedAtEnd",
    "CreatedAtStart",
    "Limit",
    "page_request",
    "parse_day",
    "parse_instant",
    "plain_limit",
    "raise_if",
]

Limit = Annotated[int, Query(ge=1, le=500, description="Number of items to return")]
After = Annotated[
    str | None,
    Query(
        description="Specifies the cursor after which to start returning results. For the first "
        "page, this should be left empty. For subsequent pages, use the value of the end_cursor "
        "field from the previous response."
    ),
]
Before = Annotated[
    str | None,
    Query(
        description="Specifies the cursor before which to return results. Use this to paginate "
        "backwards. For example, to load the previous page, provide the value of the "
        "start_cursor field from the last response."
    ),
]

CreatedAtStart = Annotated[
    str | None, Query(description="Filter by creation date start (RFC3339 format)")
]
CreatedAtEnd = Annotated[
    str | None, Query(description="Filter by creation date end (RFC3339 format)")
]


def page_request(
    limit: int, after: str | None, before: str | None, errors: dict[str, str]
) -> PageRequest:
    """A `PageRequest` from the cursor parameters; problems are added to `errors`."""
    after, before = after or None, before or None
    if after is not None and before is not None:
        errors["before"] = "cannot be combined with after"
        return PageRequest(limit=limit)
    cursors: dict[str, object] = {}
    for name, text in (("after", after), ("before", before)):
        if text is not None:
            try:
                cursors[name] = decode_cursor(text)
            except InvalidCursor:
                errors[name] = "not a valid cursor"
    return PageRequest(limit=limit, **cursors)  # type: ignore[arg-type]


_PLAIN_LIMIT = re.compile(r"[1-9][0-9]{0,2}")


def plain_limit(text: str | None) -> int | None:
    """The page size of a `limit` text that is plainly valid (absent: the default 100);
    None for any other text, which is left to FastAPI's validation."""
    if text is None:
        return 100
    if _PLAIN_LIMIT.fullmatch(text) is None:
        return None
    limit = int(text)
    return limit if limit <= 500 else None


def _parse_timestamp(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and "T" in text.upper() else None


def parse_instant(name: str, text: str | None, errors: dict[str, str]) -> date | datetime | None:
    """An RFC 3339 timestamp or a YYYY-MM-DD date; problems are added to `errors`."""
    if not text:
        return None
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    moment = _parse_timestamp(text)
    if moment is None:
        errors[name] = "must be an RFC 3339 timestamp or a YYYY-MM-DD date"
    return moment


def parse_day(name: str, text: str | None, errors: dict[str, str]) -> date | None:
    """A calendar date from a YYYY-MM-DD date or the date part of an RFC 3339 timestamp."""
    value = parse_instant(name, text, errors)
    return value.date() if isinstance(value, datetime) else value


def raise_if(errors: dict[str, str]) -> None:
    """Raise `BadRequest` naming every invalid query parameter, if any."""
    if errors:
        raise BadRequest("invalid query parameters", errors)
