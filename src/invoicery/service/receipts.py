"""Payment receipts: the PDF of a settled payment of an invoice, by the invoice renderer.

- `pdf(...)`: the receipt of one of the caller's invoice's settled payments.

A receipt exists for every settled payment (hosted page or recorded offline), not for
a pending, failed or cancelled one, nor a refund: those are `NotFound`, as are another
account's invoices and payments of another invoice. It is numbered after its invoice
and the payment's place among the invoice's payment attempts (`INV-000001-R2`), so
the same payment always gets the same number. It is rendered on request, not cached:
what it prints as still due is the invoice's amount due at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoicery.auth.tokens import Principal
from invoicery.documents.render import render
from invoicery.documents.version import content_version
from invoicery.documents.view import receipt_document
from invoicery.domain import ids
from invoicery.domain.errors import NotFound
from invoicery.domain.status import Lifecycle
from invoicery.payments.transaction import PaymentType, TransactionStatus
from invoicery.pdf.view import InvoiceDocument
from invoicery.service._time import utc_now
from invoicery.service.invoices import parse_id as parse_invoice_id
from invoicery.store import accounts, customers, invoices, transactions
from invoicery.store.database import Database

__all__ = ["ReceiptPdf", "pdf"]

_MISSING = "payment not found, or it is not a settled payment, which has no receipt"


@dataclass(frozen=True, slots=True)
class ReceiptPdf:
    """A receipt's PDF, its content version (the ETag) and its file name."""

    content: bytes
    etag: str
    filename: str


async def _document(
    db: Database, principal: Principal, invoice_id: str, transaction_id: str
) -> InvoiceDocument:
    try:
        wanted = ids.decode(ids.TRANSACTION, transaction_id)
    except ids.InvalidId:
        raise NotFound(_MISSING) from None
    account_id = principal.account_id
    async with db.read() as conn:
        stored = await invoices.get(
            conn, account_id=account_id, invoice_id=parse_invoice_id(invoice_id), now=utc_now()
        )
        if stored is None or stored.invoice.state.lifecycle is Lifecycle.DRAFT:
            raise NotFound("invoice not found")
        invoice = stored.invoice
        attempts = [
            txn
            for txn in await transactions.list_for_invoice(
                conn, account_id=account_id, invoice_id=invoice.id
            )
            if txn.payment_type is PaymentType.PAYMENT
        ]
        found = [(n, txn) for n, txn in enumerate(attempts, start=1) if txn.id == wanted]
        if not found or found[0][1].status is not TransactionStatus.SETTLED:
            raise NotFound(_MISSING)
        account = await accounts.get(conn, account_id)
        customer = await customers.get(conn, account_id=account_id, customer_id=invoice.customer_id)
    assert account is not None
    [(place, payment)] = found
    return receipt_document(
        account=account,
        details=stored.customer,
        company_name=customer.company_name if customer is not None else None,
        invoice=invoice,
        payment=payment,
        number=f"{invoice.invoice_number}-R{place}",
    )


async def pdf(
    db: Database, *, principal: Principal, invoice_id: str, transaction_id: str
) -> ReceiptPdf:
    """The receipt of a settled payment of the caller's invoice, or `NotFound`."""
    document = await _document(db, principal, invoice_id, transaction_id)
    content = await render(document)
    return ReceiptPdf(content, content_version(document), f"{document.number}.pdf")
