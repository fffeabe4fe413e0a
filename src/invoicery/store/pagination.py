"""Keyset pagination over time-ordered ids, newest first, in both directions.

A page never uses OFFSET: it is an index range scan from the cursor. Whether a page
exists on the other side of the cursor is answered exactly by a one-row EXISTS probe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["PageRequest", "RowPage", "fetch_page"]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Page size and at most one cursor: `after` (older rows) or `before` (newer rows)."""

    limit: int
    after: UUID | None = None
    before: UUID | None = None


@dataclass(frozen=True, slots=True)
class RowPage:
    """Rows of one page, newest first, and whether more exist on either side."""

    rows: Sequence[RowMapping]
    has_next: bool
    has_previous: bool


async def fetch_page(
    conn: AsyncConnection,
    table: Table,
    *,
    conditions: Sequence[ColumnElement[bool]],
    page: PageRequest,
) -> RowPage:
    """Rows of `table` (ordered by its time-ordered `id`) matching `conditions`, one page."""
    limit = page.limit
    id_column = table.c.id
    base = select(table).where(*conditions)

    async def any_row(*extra: ColumnElement[bool], newest_first: bool) -> bool:
        # ORDER BY id + LIMIT 1 walks the (account_id, id) index from the cursor; an
        # EXISTS lets PostgreSQL pick a sequential scan for a probe near the far end.
        order = id_column.desc() if newest_first else id_column.asc()
        probe = select(id_column).where(*conditions, *extra).order_by(order).limit(1)
        return (await conn.execute(probe)).first() is not None

    if page.before is not None:
        ascending = base.where(id_column > page.before).order_by(id_column.asc()).limit(limit + 1)
        found = (await conn.execute(ascending)).mappings().all()
        rows = list(reversed(found[:limit]))
        return RowPage(
            rows=rows,
            has_next=await any_row(id_column <= page.before, newest_first=True),
            has_previous=len(found) > limit,
        )
    if page.after is not None:
        base = base.where(id_column < page.after)
    found = (await conn.execute(base.order_by(id_column.desc()).limit(limit + 1))).mappings().all()
    has_previous = page.after is not None and await any_row(
        id_column >= page.after, newest_first=False
    )
    return RowPage(rows=found[:limit], has_next=len(found) > limit, has_previous=has_previous)
