"""Keyset pages (as `store.pagination.fetch_page`) from statements built once per shape.

Building a page's SELECT, its conditions and its other-side probe, and SQLAlchemy's
cache key of them, cost more CPU than running it (py-spy: a quarter of an AP list of
100). `KeysetStatements` builds them once from conditions written with bind
parameters; a page then binds values: the cursor as `cursor`, the row count as `limit`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, ScalarSelect, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from invoicery.store.pagination import PageRequest, RowPage

__all__ = ["KeysetStatements"]

_OTHER_SIDE = "page_other_side_first_id"


@dataclass(frozen=True, slots=True)
class KeysetStatements:
    """The statements of a keyset page over a table's time-ordered `id`, newest first."""

    newest: Select[Any]
    older: Select[Any]
    newer: Select[Any]
    any_older_or_at: Select[Any]
    any_newer_or_at: Select[Any]

    @classmethod
    def build(
        cls,
        table: Table,
        conditions: Sequence[ColumnElement[bool]],
        columns: Sequence[ColumnElement[Any]],
    ) -> KeysetStatements:
        """The statements for rows of `table` matching `conditions`, selecting `columns`."""
        id_column = table.c.id
        cursor = bindparam("cursor", type_=id_column.type)
        limit = bindparam("limit", type_=Integer)

        def first_id(extra: ColumnElement[bool], *, newest_first: bool) -> ScalarSelect[Any]:
            order = id_column.desc() if newest_first else id_column.asc()
            query = select(id_column).where(*conditions, extra).order_by(order).limit(1)
            return query.scalar_subquery()

        at_or_older = id_column <= cursor
        at_or_newer = id_column >= cursor
        return cls(
            newest=select(*columns).where(*conditions).order_by(id_column.desc()).limit(limit),
            older=select(*columns, first_id(at_or_newer, newest_first=False).label(_OTHER_SIDE))
            .where(*conditions, id_column < cursor)
            .order_by(id_column.desc())
            .limit(limit),
            newer=select(*columns, first_id(at_or_older, newest_first=True).label(_OTHER_SIDE))
            .where(*conditions, id_column > cursor)
            .order_by(id_column.asc())
            .limit(limit),
            any_older_or_at=select(first_id(at_or_older, newest_first=True)),
            any_newer_or_at=select(first_id(at_or_newer, newest_first=False)),
        )

    async def fetch(
        self, conn: AsyncConnection, page: PageRequest, params: Mapping[str, Any]
    ) -> RowPage:
        """One page: the conditions' `params`, and the page's cursor and size."""
        limit = page.limit
        if page.before is not None:
            bound = {**params, "cursor": page.before, "limit": limit + 1}
            found = (await conn.execute(self.newer, bound)).mappings().all()
            if found:
                has_next = found[0][_OTHER_SIDE] is not None
            else:
                has_next = (await conn.execute(self.any_older_or_at, bound)).scalar() is not None
            return RowPage(
                rows=list(reversed(found[:limit])),
                has_next=has_next,
                has_previous=len(found) > limit,
            )
        if page.after is None:
            bound = {**params, "limit": limit + 1}
            found = (await conn.execute(self.newest, bound)).mappings().all()
            return RowPage(rows=found[:limit], has_next=len(found) > limit, has_previous=False)
        bound = {**params, "cursor": page.after, "limit": limit + 1}
        found = (await conn.execute(self.older, bound)).mappings().all()
        if found:
            has_previous = found[0][_OTHER_SIDE] is not None
        else:
            has_previous = (await conn.execute(self.any_newer_or_at, bound)).scalar() is not None
        return RowPage(rows=found[:limit], has_next=len(found) > limit, has_previous=has_previous)
