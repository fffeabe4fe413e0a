"""Keyset pagination over time-ordered ids, newest first, in both directions.

A page never uses OFFSET: it is an index range scan from the cursor. Whether a page
exists on the other side of the cursor is answered exactly by a one-row probe that
rides in the same statement as a scalar subquery (a separate query only when the page
itself comes back empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, ScalarSelect, Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["PageRequest", "RowPage", "fetch_page"]

_OTHER_SIDE = "page_other_side_first_id"


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
    columns: Sequence[ColumnElement[Any]] | None = None,
) -> RowPage:
    """Rows of `table` (ordered by its time-ordered `id`) matching `conditions`, one page.

    `columns` limits what each row carries (default: every column of `table`).
    """
    limit = page.limit
    selected = tuple(columns) if columns is not None else tuple(table.c)
    id_column = table.c.id

    def first_id(*extra: ColumnElement[bool], newest_first: bool) -> ScalarSelect[UUID]:
        # ORDER BY id + LIMIT 1 walks the (account_id, id) index from the cursor; an
        # EXISTS lets PostgreSQL pick a sequential scan for a probe near the far end.
        # Uncorrelated, it runs once per statement (an InitPlan), not once per row.
        order = id_column.desc() if newest_first else id_column.asc()
        query = select(id_column).where(*conditions, *extra).order_by(order).limit(1)
        return query.scalar_subquery()

    async def any_row(*extra: ColumnElement[bool], newest_first: bool) -> bool:
        found = await conn.execute(select(first_id(*extra, newest_first=newest_first)))
        return found.scalar() is not None

    if page.before is not None:
        beyond = (id_column <= page.before,)
        newer = (
            select(*selected, first_id(*beyond, newest_first=True).label(_OTHER_SIDE))
            .where(*conditions, id_column > page.before)
            .order_by(id_column.asc())
            .limit(limit + 1)
        )
        found = (await conn.execute(newer)).mappings().all()
        has_next = (
            found[0][_OTHER_SIDE] is not None
            if found
            else await any_row(*beyond, newest_first=True)
        )
        return RowPage(
            rows=list(reversed(found[:limit])), has_next=has_next, has_previous=len(found) > limit
        )
    if page.after is None:
        newest = select(*selected).where(*conditions).order_by(id_column.desc()).limit(limit + 1)
        found = (await conn.execute(newest)).mappings().all()
        return RowPage(rows=found[:limit], has_next=len(found) > limit, has_previous=False)
    beyond = (id_column >= page.after,)
    older = (
        select(*selected, first_id(*beyond, newest_first=False).label(_OTHER_SIDE))
        .where(*conditions, id_column < page.after)
        .order_by(id_column.desc())
        .limit(limit + 1)
    )
    found = (await conn.execute(older)).mappings().all()
    has_previous = (
        found[0][_OTHER_SIDE] is not None if found else await any_row(*beyond, newest_first=False)
    )
    return RowPage(rows=found[:limit], has_next=len(found) > limit, has_previous=has_previous)
