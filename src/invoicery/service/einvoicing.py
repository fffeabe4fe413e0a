"""E-invoicing use cases: the seller an account describes, issuing at finalization, serving.

- `seller_of(account)`: the EN 16931 seller (BG-4) from the account's settings.
- `setting_problems(account)`: what its e-invoicing profile lacks, keyed by setting name
  (`invoicery accounts set` refuses to turn e-invoicing on, or to break it, with them).
- `issued(invoice, ...)`: the finalized invoice with its e-invoice status, and the XML
  to store; pure, run inside the finalization's transaction by `issue_in` or the AP create.
- `xml(...)`, `xml_link(...)`, `open_xml_by_link(...)`: the stored XML, by id (billing v1)
  or through a signed, expiring link (AP).
- `credit_note_issued(...)`, `issue_credit_note_in(...)`, `credit_note_xml(...)`: the same
  for a credit note (type 381, naming the invoice it corrects), issued at its finalization.

The XML is built once, at finalization, and stored (`store.einvoices`): an e-invoice is
a legal document, and the same document must be served every time even after the
account's address or the customer's buyer reference change. A failure to build it
never fails the finalization: the invoice is FAILED, with the reasons on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.account import Account
from invoicery.domain.credit_notes import CREDIT_NOTE_PREFIX, CreditNote, CreditNoteStatus
from invoicery.domain.customer import Customer
from invoicery.domain.einvoicing import OFF, EInvoicing, EInvoicingStatus
from invoicery.domain.errors import NotFound
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import Lifecycle
from invoicery.einvoice import (
    Buyer,
    DocumentError,
    Profile,
    Seller,
    build,
    build_credit_note,
    render,
)
from invoicery.einvoice import seller_problems as profile_problems
from invoicery.service._time import utc_now
from invoicery.store import accounts, credit_notes, customers, einvoices, invoices
from invoicery.store.database import Database
from invoicery.store.einvoices import StoredEInvoice

if TYPE_CHECKING:  # finalization (service.invoices) imports this module: no cycle
    from invoicery.service.documents import Documents

__all__ = [
    "SELLER_SETTINGS",
    "EInvoiceXml",
    "SignedXml",
    "credit_note_issued",
    "credit_note_xml",
    "issue_credit_note_in",
    "issue_in",
    "issued",
    "open_xml_by_link",
    "profile_of",
    "seller_of",
    "setting_problems",
    "xml",
    "xml_link",
]

logger = logging.getLogger("invoicery.einvoicing")


SELLER_SETTINGS = {
    "name": "legal_name",
    "country": "country",
    "address_line1": "address_line1",
    "address_line2": "address_line2",
    "city": "city",
    "postal_code": "postal_code",
    "trading_name": "display_name",
    "vat_id": "tax_id",
    "tax_registration": "tax_registration",
    "contact_name": "contact_name",
    "contact_phone": "contact_phone",
    "contact_email": "contact_email",
    "electronic_address": "contact_email",
    "iban": "iban",
    "bic": "bic",
    "account_name": "legal_name",
}
"""The account setting each `Seller` field comes from (the names errors are given in)."""


def profile_of(account: Account) -> Profile | None:
    """The account's e-invoicing profile; None while it is off."""
    return None if account.einvoicing == OFF else Profile(account.einvoicing)


def seller_of(account: Account) -> Seller:
    """The seller an account's settings describe; its legal name, else its display name."""
    name = account.legal_name or account.display_name or ""
    return Seller(
        name=name,
        country=account.country or "",
        address_line1=account.address_line1,
        address_line2=account.address_line2,
        city=account.city,
        postal_code=account.postal_code,
        trading_name=account.display_name if account.display_name != name else None,
        vat_id=account.tax_id,
        tax_registration=account.tax_registration,
        contact_name=account.contact_name,
        contact_phone=account.contact_phone,
        contact_email=account.contact_email,
        iban=account.iban,
        bic=account.bic,
        account_name=name or None,
    )


def setting_problems(account: Account) -> dict[str, str]:
    """What the account's e-invoicing profile lacks or has invalid, by setting name."""
    profile = profile_of(account)
    if profile is None:
        return {}
    problems = profile_problems(seller_of(account), profile)
    named: dict[str, str] = {}
    for field, why in problems.items():
        setting = SELLER_SETTINGS.get(field, field)
        named.setdefault(setting, why)
    return dict(sorted(named.items()))


def issued(
    invoice: Invoice, *, account: Account, customer: Customer, now: datetime
) -> tuple[Invoice, StoredEInvoice | None]:
    """A just-finalized invoice with its e-invoice status, and the XML to store with it.

    The account must have e-invoicing on. Never raises for the document: what keeps it
    from being valid is the FAILED status's reasons.
    """
    profile = profile_of(account)
    assert profile is not None, "issued only while e-invoicing is on"
    if problems := setting_problems(account):
        fields = {f"seller.{name}": why for name, why in problems.items()}
        return replace(invoice, einvoicing=EInvoicing.failed("the seller", fields)), None
    assert invoice.customer_details is not None, "a finalized invoice"
    try:
        doc = build(
            invoice,
            seller=seller_of(account),
            buyer=Buyer.of(invoice.customer_details, customer),
            profile=profile,
        )
        xml_bytes = render(doc, profile)
    except DocumentError as error:
        failed = EInvoicing.failed(str(error), error.fields)
        return replace(invoice, einvoicing=failed), None
    except Exception:  # a bug in the document library must not stop invoicing
        logger.exception("could not build the e-invoice of invoice %s", invoice.id)
        failed = EInvoicing(EInvoicingStatus.FAILED, ("the e-invoice could not be built",))
        return replace(invoice, einvoicing=failed), None
    stored = StoredEInvoice(invoice.account_id, invoice.id, profile.value, xml_bytes, now)
    return replace(invoice, einvoicing=EInvoicing(EInvoicingStatus.GENERATED)), stored


async def issue_in(
    conn: AsyncConnection, invoice: Invoice, *, customer: Customer, now: datetime
) -> Invoice:
    """`issued` inside the finalization's transaction, its XML stored there too.

    Call it once the invoice row exists; only for an account with e-invoicing on.
    """
    account = await accounts.get(conn, invoice.account_id)
    assert account is not None
    final, stored = issued(invoice, account=account, customer=customer, now=now)
    if stored is not None:
        await einvoices.insert(conn, stored)
    return final


def credit_note_issued(
    note: CreditNote, invoice: Invoice, *, account: Account, customer: Customer | None
) -> tuple[CreditNote, bytes | None]:
    """A just-finalized credit note with its e-invoice status, and the XML to store.

    As `issued`: the account must have e-invoicing on, and a failure is the FAILED
    status's reasons, never an error.
    """
    profile = profile_of(account)
    assert profile is not None, "issued only while e-invoicing is on"
    if problems := setting_problems(account):
        fields = {f"seller.{name}": why for name, why in problems.items()}
        return replace(note, einvoicing=EInvoicing.failed("the seller", fields)), None
    assert invoice.customer_details is not None, "a finalized invoice"
    try:
        doc = build_credit_note(
            note,
            invoice,
            seller=seller_of(account),
            buyer=Buyer.of(invoice.customer_details, customer),
            profile=profile,
        )
        xml_bytes = render(doc, profile)
    except DocumentError as error:
        return replace(note, einvoicing=EInvoicing.failed(str(error), error.fields)), None
    except Exception:  # a bug in the document library must not stop crediting
        logger.exception("could not build the e-invoice of credit note %s", note.id)
        failed = EInvoicing(EInvoicingStatus.FAILED, ("the e-invoice could not be built",))
        return replace(note, einvoicing=failed), None
    return replace(note, einvoicing=EInvoicing(EInvoicingStatus.GENERATED)), xml_bytes


async def issue_credit_note_in(
    conn: AsyncConnection, note: CreditNote, invoice: Invoice, *, now: datetime
) -> CreditNote:
    """`credit_note_issued` inside the finalization's transaction, its XML stored there.

    A no-op (the note as given) while the account has e-invoicing off.
    """
    account = await accounts.get(conn, note.account_id)
    assert account is not None
    profile = profile_of(account)
    if profile is None:
        return note
    customer = await customers.get(conn, account_id=note.account_id, customer_id=note.customer_id)
    final, xml_bytes = credit_note_issued(note, invoice, account=account, customer=customer)
    if xml_bytes is not None:
        await credit_notes.insert_einvoice(
            conn, final, profile=profile.value, xml=xml_bytes, now=now
        )
    return final


@dataclass(frozen=True, slots=True)
class EInvoiceXml:
    """An invoice's e-invoice as served: file name, media type and bytes."""

    filename: str
    profile: str
    body: bytes

    media_type = "application/xml"


@dataclass(frozen=True, slots=True)
class SignedXml:
    """An e-invoice opened through a signed link, and when the link expires (Unix seconds)."""

    document: EInvoiceXml
    expires: int


def _parse_id(text: str) -> UUID:
    try:
        return ids.decode(ids.INVOICE, text)
    except ids.InvalidId:
        raise NotFound("invoice not found") from None


def _missing(invoice: Invoice) -> NotFound:
    einvoicing = invoice.einvoicing
    if einvoicing is None:
        return NotFound("the invoice has no e-invoice (its account had e-invoicing off)")
    return NotFound("the invoice's e-invoice failed: " + "; ".join(einvoicing.errors))


async def _open(db: Database, *, account_id: UUID, invoice_id: UUID) -> EInvoiceXml:
    found = await invoices.find(db, account_id=account_id, invoice_id=invoice_id, now=utc_now())
    if found is None or found.invoice.state.lifecycle is Lifecycle.DRAFT:
        raise NotFound("invoice not found")
    invoice = found.invoice
    einvoicing = invoice.einvoicing
    if einvoicing is None or einvoicing.status is not EInvoicingStatus.GENERATED:
        raise _missing(invoice)
    stored = await einvoices.find(db, account_id=account_id, invoice_id=invoice_id)
    if stored is None:
        raise _missing(invoice)
    profile, body = stored
    number = invoice.invoice_number or ids.encode(ids.INVOICE, invoice.id)
    return EInvoiceXml(f"{number}.xml", profile, body)


async def xml(db: Database, *, principal: Principal, invoice_id: str) -> EInvoiceXml:
    """The caller's invoice's e-invoice XML; `NotFound` if it has none."""
    parsed = _parse_id(invoice_id)
    return await _open(db, account_id=principal.account_id, invoice_id=parsed)


async def credit_note_xml(
    db: Database, *, principal: Principal, credit_note_id: str
) -> EInvoiceXml:
    """The caller's credit note's e-invoice XML; `NotFound` if it has none (a draft, an
    account with e-invoicing off, or a failed one: its reasons are the message)."""
    try:
        parsed = ids.decode(CREDIT_NOTE_PREFIX, credit_note_id)
    except ids.InvalidId:
        raise NotFound("credit note not found") from None
    async with db.read() as conn:
        note = await credit_notes.get(conn, account_id=principal.account_id, credit_note_id=parsed)
        if note is None or note.status is CreditNoteStatus.DRAFT:
            raise NotFound("credit note not found, or it is a draft, which has no e-invoice")
        stored = await credit_notes.find_einvoice(
            conn, account_id=principal.account_id, credit_note_id=parsed
        )
    einvoicing = note.einvoicing
    if einvoicing is None:
        raise NotFound("the credit note has no e-invoice (its account had e-invoicing off)")
    if stored is None:
        raise NotFound("the credit note's e-invoice failed: " + "; ".join(einvoicing.errors))
    profile, body = stored
    return EInvoiceXml(f"{note.credit_note_number}.xml", profile, body)


async def xml_link(db: Database, docs: Documents, *, principal: Principal, invoice_id: str) -> str:
    """A signed URL of the caller's invoice's e-invoice XML, valid for `docs.link_ttl` s."""
    parsed = _parse_id(invoice_id)
    await _open(db, account_id=principal.account_id, invoice_id=parsed)
    path = docs.xml_download_path(
        ids.encode(ids.ACCOUNT, principal.account_id), ids.encode(ids.INVOICE, parsed)
    )
    return docs.signed_url(path)


async def open_xml_by_link(
    db: Database, docs: Documents, *, account_id: str, invoice_id: str, query: str
) -> SignedXml:
    """The e-invoice a signed link (path ids and raw query string) grants; `InvalidLink`."""
    path = docs.xml_download_path(account_id, invoice_id)
    account, invoice, expires = docs.granted(
        path, query, account_id=account_id, invoice_id=invoice_id
    )
    document = await _open(db, account_id=account, invoice_id=invoice)
    return SignedXml(document, expires)
