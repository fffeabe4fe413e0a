"""AP reads served from stored documents (`store.invoice_documents`).

An invoice's AP document changes only with its `version`, except for its status, which
also moves with the day (UPCOMING becomes OVERDUE). A face renders the document once
per version without the status (`DocumentFace.render`) and splices today's status into
the stored bytes on every read (`DocumentFace.serve`), from the row's status columns.

A list stores the documents it had to render, in one statement; a read by id only
renders a missing one (one write per read would cost more than the render it saves).
The stored documents are a cache: failing to store one fails no read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Protocol, cast
from uuid import UUID

from sqlalchemy.exc import DBAPIError

from invoicery.auth.tokens import Principal
from invoicery.domain.errors import NotFound, Unavailable
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus, ap_status
from invoicery.runtime import HEAVY_JSON_CHARS, off_the_loop
from invoicery.service._time import utc_now
from invoicery.service.invoices.reads import CursorQuery, filters_of, parse_id, today_of
from invoicery.service.invoices.views import InvoiceSummary, summary_of_row
from invoicery.service.paging import CursorPage
from invoicery.store import invoice_documents, invoice_listing
from invoicery.store.database import Database
from invoicery.store.invoice_documents import DOCUMENT, StoredDocument
from invoicery.store.pagination import PageRequest
from invoicery.store.rows import ColumnValues
from invoicery.store.types import decode_json_text

__all__ = ["DocumentFace", "ServedDocument", "get_document", "list_documents", "status_of"]

logger = logging.getLogger("invoicery.service")


class DocumentFace(Protocol):
    """How a face renders an invoice for storage and serves the stored bytes on a day."""

    @property
    def name(self) -> str:
        """The stored documents' key: the face and the revision of its rendering."""
        ...

    def render(self, summary: InvoiceSummary) -> bytes:
        """The document to store, without what depends on the day."""
        ...

    def serve(self, stored: bytes, status: ApStatus) -> bytes:
        """The stored document with the invoice's status today spliced in."""
        ...


@lru_cache(maxsize=256)
def _status(
    lifecycle: str, payment_status: str, pending: bool, archived: bool, past_due: bool
) -> ApStatus | None:
    """`ap_status` of an invoice with these status columns, due before today or not
    (of a few dozen combinations: building the state per row cost more than the page)."""
    due_date, today = (date.min, date.max) if past_due else (date.max, date.min)
    state = InvoiceState(
        Lifecycle(lifecycle), PaymentStatus(payment_status), pending, archived, due_date
    )
    return ap_status(state, today)


def status_of(row: ColumnValues, today: date) -> ApStatus | None:
    """The AP status on `today` of an invoices row (`store.invoices.state_of`'s columns)."""
    return _status(
        row["lifecycle"],
        row["payment_status"],
        row["payment_pending"],
        row["archived_at"] is not None,
        row["due_date"] < today,
    )


@dataclass(frozen=True, slots=True)
class ServedDocument:
    """An invoice's id and its document as served today."""

    id: UUID
    body: bytes


def _served(
    rows: Sequence[ColumnValues], today: date, face: DocumentFace
) -> tuple[list[ServedDocument], list[StoredDocument]]:
    """The rows' documents as served today (drafts left out), and those rendered anew."""
    served = []
    rendered: list[StoredDocument] = []
    for row in rows:
        status = status_of(row, today)
        if status is None:
            continue
        stored = row[DOCUMENT]
        if stored is None:
            # a SQLAlchemy RowMapping or an asyncpg Record: both are mappings
            decoded = decode_json_text(cast(Mapping[str, Any], row), ("line_items",))
            summary = summary_of_row(decoded, today)
            assert summary is not None  # it has a status
            stored = face.render(summary)
            rendered.append((row["id"], row["version"], stored))
        served.append(ServedDocument(row["id"], face.serve(stored, status)))
    return served, rendered


async def _keep(
    db: Database, principal: Principal, face: DocumentFace, rendered: Sequence[StoredDocument]
) -> None:
    """Store what was rendered (in id order: two pages storing the same invoices at once
    lock their rows in one order); a failure to store fails no read."""
    try:
        async with db.write() as conn:
            await invoice_documents.store(
                conn,
                account_id=principal.account_id,
                face=face.name,
                documents=sorted(rendered, key=lambda document: document[0]),
            )
    except (Unavailable, DBAPIError):
        logger.warning("stored documents not kept", exc_info=True)


async def list_documents(
    db: Database,
    *,
    principal: Principal,
    query: CursorQuery,
    page: PageRequest,
    face: DocumentFace,
) -> CursorPage[ServedDocument]:
    """One page of the caller's invoices matching `query`, newest first, as `face` serves them."""
    today = today_of(principal, utc_now())
    filters = filters_of(principal, query, today)
    if filters is None:
        return CursorPage()
    async with db.read() as conn:
        found = await invoice_listing.cursor_page(
            conn, account_id=principal.account_id, filters=filters, page=page, face=face.name
        )
    size = sum(len(row["line_items"]) for row in found.rows)
    served, rendered = await off_the_loop(
        lambda: _served(found.rows, today, face), heavy=size > HEAVY_JSON_CHARS
    )
    if rendered:
        await _keep(db, principal, face, rendered)
    return CursorPage(items=served, has_next=found.has_next, has_previous=found.has_previous)


async def get_document(
    db: Database, *, principal: Principal, invoice_id: str, face: DocumentFace
) -> bytes:
    """The caller's invoice as `face` serves it today; `NotFound` for a draft."""
    now = utc_now()
    row = await invoice_listing.find_view(
        db, account_id=principal.account_id, invoice_id=parse_id(invoice_id), face=face.name
    )
    if row is None:
        raise NotFound("invoice not found")
    today = today_of(principal, now)
    size = len(row["line_items"])
    served, _rendered = await off_the_loop(
        lambda: _served([row], today, face), heavy=size > HEAVY_JSON_CHARS
    )
    if not served:
        raise NotFound("invoice not found")
    return served[0].body
