"""Stored wire documents: an invoice's document as one face renders it, kept per version.

A face's document of an invoice changes only when the invoice's `version` does (every
write of an invoice row bumps it), so it is rendered once per version and face and
then served as stored bytes. A row keeps the `version` it was rendered from; reads
join it on the invoice's present `version`, so a stale row is never served, only
overwritten by the next store. What depends on the day (the AP status) is not in the
stored bytes: the face splices it in at read time from the invoice's columns.

`face` names a face and the revision of its rendering (e.g. "ap.1"): a new revision
of the rendering code is a new name, and the old rows are never read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Label, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from invoicery.store.tables import invoice_documents, invoices

__all__ = ["DOCUMENT", "StoredDocument", "document_of", "store"]

_d = invoice_documents.c
_t = invoices.c

DOCUMENT = "stored_document"
"""The label of `document_of`'s column in a row."""

StoredDocument = tuple[UUID, int, bytes]
"""An invoice's id, the `version` its document was rendered from, and the document."""


def document_of(face: str) -> Label[Any]:
    """A column of an invoices query: the face's stored document of the row's present
    version (NULL if none), labelled `DOCUMENT`; its parameter is named `face`."""
    found = select(_d.body).where(
        _d.account_id == _t.account_id,
        _d.invoice_id == _t.id,
        _d.face == bindparam("face", face),
        _d.version == _t.version,
    )
    return found.scalar_subquery().label(DOCUMENT)


@lru_cache(maxsize=2)
def _upsert(dialect_name: str) -> Insert:
    """`store`'s statement for the dialect, built once."""
    insert = (
        postgresql.insert(invoice_documents)
        if dialect_name == "postgresql"
        else sqlite.insert(invoice_documents)
    )
    upsert: Insert = insert.on_conflict_do_update(
        index_elements=[_d.account_id, _d.invoice_id, _d.face],
        set_={"version": insert.excluded.version, "body": insert.excluded.body},
        where=_d.version < insert.excluded.version,
    )
    return upsert


async def store(
    conn: AsyncConnection, *, account_id: UUID, face: str, documents: Sequence[StoredDocument]
) -> None:
    """Keep the account's invoices' documents of `face`; an older version never replaces
    a newer one (two readers may store the same invoice at once)."""
    upsert = _upsert(conn.dialect.name)
    rows = [
        {
            "account_id": account_id,
            "invoice_id": invoice_id,
            "face": face,
            "version": version,
            "body": body,
        }
        for invoice_id, version, body in documents
    ]
    await conn.execute(upsert, rows)
