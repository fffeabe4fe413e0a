"""Invoice PDF use cases: the signed link, and opening a document by link or by id.

- `pdf_link(...)`: a signed, expiring absolute URL of the caller's invoice PDF.
- `pdf_link_for(...)`: the same for an invoice of an account the caller has already read.
- `open_by_link(...)`: the document a signed link grants (`InvalidLink` if it doesn't).
- `open_by_id(...)`: the caller's invoice document (billing-v1 download).
- `content(...)`: the PDF bytes of an opened document, from the cache or rendered once.
- `content_file(...)`: the same as a file of this process, for zero-copy sending.
- `purge_cached(...)`: delete cached PDFs past their retention (run by the worker).

Every finalized invoice has a document, archived, paid and void ones too (they are
stamped); drafts have none and are `NotFound`, as are other accounts' invoices.
Opening a document reads the invoice, its customer's details and the account (and the
payment page token) in one statement (`documents.source`) and derives the content
version from them, so a caller can answer ``If-None-Match`` before any PDF is touched.
A process keeps the document it last opened per invoice with the values it was made
of (`Documents.opened`): when a read finds the same values, the same document is
served without building it again; any change of them builds (and versions) it anew.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.documents import repository, source
from invoicery.documents.cache import CacheKey, DocumentCache
from invoicery.documents.files import CachedFile
from invoicery.documents.signing import InvalidLink, KeyRing, sign, verify
from invoicery.documents.source import OpenedDocuments
from invoicery.documents.version import content_version
from invoicery.documents.view import is_payable, stored_document
from invoicery.domain import ids
from invoicery.domain.errors import NotFound
from invoicery.domain.status import Lifecycle
from invoicery.pdf.view import InvoiceDocument
from invoicery.service._time import utc_now
from invoicery.service.invoices import parse_id as parse_invoice_id
from invoicery.store import invoices
from invoicery.store.database import Database

__all__ = [
    "Documents",
    "InvoicePdf",
    "SignedLink",
    "content",
    "content_file",
    "open_by_id",
    "open_by_link",
    "open_for_account",
    "pdf_link",
    "pdf_link_for",
    "purge_cached",
    "seconds_left",
]

PaymentUrl = Callable[[str], str]
"""Maps an invoice's payment-page token to the page's absolute URL."""

DownloadPath = Callable[[str, str], str]
"""Maps an account id and an invoice id (text form) to the path of the signed download."""


@dataclass(frozen=True, slots=True)
class Documents:
    """What the document use cases need from the running server."""

    ring: KeyRing
    cache: DocumentCache
    link_ttl: int
    base_url: str
    payment_url: PaymentUrl
    download_path: DownloadPath
    xml_download_path: DownloadPath  # of an invoice's e-invoice XML (service.einvoicing)
    opened: OpenedDocuments[InvoicePdf] = field(default_factory=OpenedDocuments)

    def signed_url(self, path: str) -> str:
        """`path` on this server, signed to be valid for `link_ttl` seconds."""
        expires = int(_clock()) + self.link_ttl
        return f"{self.base_url}{path}?{sign(self.ring, path, expires=expires)}"

    def granted(
        self, path: str, query: str, *, account_id: str, invoice_id: str
    ) -> tuple[UUID, UUID, int]:
        """The account and invoice a signed link (its path and raw query string) names, and
        when it expires (Unix seconds); `InvalidLink` if its signature or ids are not good."""
        link = verify(self.ring, path, query, now=_clock())
        try:
            account = ids.decode(ids.ACCOUNT, account_id)
            invoice = ids.decode(ids.INVOICE, invoice_id)
        except ids.InvalidId:
            raise InvalidLink("the link names no document") from None
        return account, invoice, link.expires


@dataclass(frozen=True, slots=True)
class InvoicePdf:
    """An opened invoice document: its view model and content version (the ETag)."""

    key: CacheKey
    document: InvoiceDocument

    @property
    def etag(self) -> str:
        """The content version."""
        return self.key.etag

    @property
    def filename(self) -> str:
        """The file name to save it as: the invoice number."""
        return f"{self.document.number}.pdf"


@dataclass(frozen=True, slots=True)
class SignedLink:
    """A document opened through a signed link, and when the link expires (Unix seconds)."""

    pdf: InvoicePdf
    expires: int


def _clock() -> float:
    return time.time()


async def pdf_link(db: Database, docs: Documents, *, principal: Principal, invoice_id: str) -> str:
    """A signed URL of the caller's invoice PDF, valid for `docs.link_ttl` seconds."""
    parsed = parse_invoice_id(invoice_id)
    found = await invoices.find(
        db, account_id=principal.account_id, invoice_id=parsed, now=utc_now()
    )
    if found is None or found.invoice.state.lifecycle is Lifecycle.DRAFT:
        raise NotFound("invoice not found")
    return pdf_link_for(docs, account_id=principal.account_id, invoice_id=parsed)


def pdf_link_for(docs: Documents, *, account_id: UUID, invoice_id: UUID) -> str:
    """A signed URL of the account's invoice PDF, valid for `docs.link_ttl` seconds.

    It signs without reading: the caller has found the invoice in that account, and
    not a draft (which has no document).
    """
    path = docs.download_path(
        ids.encode(ids.ACCOUNT, account_id), ids.encode(ids.INVOICE, invoice_id)
    )
    return docs.signed_url(path)


async def open_for_account(
    db: Database, docs: Documents, *, account_id: UUID, invoice_id: UUID
) -> InvoicePdf:
    """The account's invoice document, or `NotFound` (a draft has none)."""
    found = await source.find(db, account_id=account_id, invoice_id=invoice_id)
    if found is None or found.is_draft:
        raise NotFound("invoice not found, or it is a draft, which has no PDF yet")
    key = (account_id, invoice_id)
    opened = docs.opened.get(key, found.inputs)
    if opened is None:
        opened = _opened(docs, found, key=key)
        docs.opened.put(key, found.inputs, opened)
    return opened


def _opened(docs: Documents, found: source.Source, *, key: tuple[UUID, UUID]) -> InvoicePdf:
    stored = found.stored(utc_now())
    invoice = stored.invoice
    token = found.payment_token if is_payable(invoice) else None
    document = stored_document(
        account=found.account(),
        details=stored.customer,
        company_name=found.company_name,
        invoice=invoice,
        payment_url=docs.payment_url(token) if token else None,
    )
    if (xml := found.facturx_xml) is not None:  # a Factur-X PDF/A-3 carrying its e-invoice
        document = replace(document, facturx_xml=xml)
    return InvoicePdf(CacheKey(*key, content_version(document)), document)


async def open_by_link(
    db: Database, docs: Documents, *, account_id: str, invoice_id: str, query: str
) -> SignedLink:
    """The document a signed link (path ids and raw query string) grants; `InvalidLink`."""
    path = docs.download_path(account_id, invoice_id)
    account, invoice, expires = docs.granted(
        path, query, account_id=account_id, invoice_id=invoice_id
    )
    opened = await open_for_account(db, docs, account_id=account, invoice_id=invoice)
    return SignedLink(opened, expires)


async def open_by_id(
    db: Database, docs: Documents, *, principal: Principal, invoice_id: str
) -> InvoicePdf:
    """The caller's invoice document, or `NotFound`."""
    parsed = parse_invoice_id(invoice_id)
    return await open_for_account(db, docs, account_id=principal.account_id, invoice_id=parsed)


async def content(docs: Documents, opened: InvoicePdf) -> bytes:
    """The PDF bytes of an opened document."""
    return await docs.cache.pdf(opened.key, opened.document)


async def content_file(docs: Documents, opened: InvoicePdf) -> CachedFile:
    """The PDF of an opened document as a file of this process (not read into memory)."""
    return await docs.cache.file(opened.key, opened.document)


def seconds_left(expires: int) -> int:
    """Whole seconds until Unix time `expires` (0 once it has passed)."""
    return max(0, int(expires - _clock()))


async def purge_cached(db: Database, *, now: datetime, retention: timedelta) -> int:
    """Delete cached PDFs rendered more than `retention` ago; how many were deleted.

    A purged PDF is rendered again on its next download, so this only bounds storage.
    """
    async with db.write() as conn:
        return await repository.delete_created_before(conn, before=now - retention)
