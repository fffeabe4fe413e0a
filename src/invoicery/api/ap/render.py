"""Domain records to AP JSON documents (amounts as exact numbers in major units)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import orjson

from invoicery.api.ap.cursor import encode_cursor
from invoicery.api.json import amount_number, timestamp_text
from invoicery.domain import ids
from invoicery.domain.customer import Customer
from invoicery.domain.status import ApStatus
from invoicery.payments.transaction import Transaction, TransactionStatus
from invoicery.service.invoices import InvoiceSummary
from invoicery.service.invoices.served import ServedDocument

__all__ = [
    "STORED_INVOICE_DOCUMENT",
    "customer_document",
    "invoice_document",
    "page_document",
    "payment_document",
    "served_page_body",
]


def invoice_document(summary: InvoiceSummary) -> dict[str, Any]:
    """The AP `Invoice` object."""
    currency = summary.currency
    document: dict[str, Any] = {
        "id": ids.encode(ids.INVOICE, summary.id),
        "invoice_number": summary.invoice_number,
        "customer_id": ids.encode(ids.CUSTOMER, summary.customer_id),
        "currency": currency,
        "status": summary.status.value,
        "due_date": summary.due_date.isoformat(),
        "created_at": timestamp_text(summary.created_at),
        "line_items": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "amount": amount_number(line.unit_amount, currency),
            }
            for line in summary.line_items
        ],
        "sub_total": amount_number(summary.subtotal, currency),
        "total": amount_number(summary.total, currency),
        "exclude_from_autopay": summary.exclude_from_autopay,
    }
    if summary.memo is not None:
        document["memo"] = summary.memo
    if summary.last_notification_at is not None:
        document["last_notification_at"] = timestamp_text(summary.last_notification_at)
    return document


class _StoredInvoiceDocument:
    """The AP `Invoice` object as stored (`service.invoices.served`): its status left
    empty, and spliced in when served."""

    name = "ap.1"  # a change to `invoice_document` needs a new revision here
    _EMPTY = b'"status":""'
    _FILLED: ClassVar[dict[ApStatus, bytes]] = {
        status: b'"status":"%s"' % status.value.encode() for status in ApStatus
    }

    def render(self, summary: InvoiceSummary) -> bytes:
        """The document to store: `invoice_document` with an empty status."""
        return orjson.dumps({**invoice_document(summary), "status": ""})

    def serve(self, stored: bytes, status: ApStatus) -> bytes:
        """The stored document with `status` in it.

        The first `"status":""` is the status member: the members before it are id
        texts and the invoice number, in whose JSON text a quote is always escaped.
        """
        return stored.replace(self._EMPTY, self._FILLED[status], 1)


STORED_INVOICE_DOCUMENT = _StoredInvoiceDocument()


_PAYMENT_STATUS = {
    TransactionStatus.PENDING: "pending",
    TransactionStatus.SETTLED: "succeeded",
    TransactionStatus.FAILED: "failed",
    TransactionStatus.CANCELLED: "cancelled",
}


def payment_document(transaction: Transaction) -> dict[str, Any]:
    """A payment attempt as AP webhooks carry it (the vendor documents no payment GET)."""
    currency = transaction.currency
    document: dict[str, Any] = {
        "id": ids.encode(ids.TRANSACTION, transaction.id),
        "invoice_id": ids.encode(ids.INVOICE, transaction.invoice_id),
        "amount": amount_number(transaction.amount, currency),
        "currency": currency,
        "status": _PAYMENT_STATUS[transaction.status],
        "payment_method_type": transaction.payment_method_type.value,
        "created_at": timestamp_text(transaction.created_at),
    }
    optional = {
        "card_brand": transaction.card_brand,
        "card_last4": transaction.card_last4,
        "account_number_hint": transaction.account_number_hint,
        "error": transaction.error,
    }
    document.update((name, value) for name, value in optional.items() if value is not None)
    if transaction.processed_at is not None:
        document["processed_at"] = timestamp_text(transaction.processed_at)
    return document


def customer_document(customer: Customer) -> dict[str, Any]:
    """The AP customer object."""
    document: dict[str, Any] = {
        "id": ids.encode(ids.CUSTOMER, customer.id),
        "name": customer.name,
        "email": customer.email,
        "created_at": timestamp_text(customer.created_at),
    }
    if customer.company_name is not None:
        document["company_name"] = customer.company_name
    if customer.external_id is not None:
        document["external_id"] = customer.external_id
    if customer.locale is not None:
        document["locale"] = customer.locale
    return document


class _Identified(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=_Identified)
T_co = TypeVar("T_co", bound=_Identified, covariant=True)


class _Page(Protocol[T_co]):
    @property
    def items(self) -> Sequence[T_co]: ...
    @property
    def has_next(self) -> bool: ...
    @property
    def has_previous(self) -> bool: ...


def page_document(page: _Page[T], render: Callable[[T], object]) -> dict[str, Any]:
    """The AP paginated envelope; cursors are empty strings on an empty page."""
    items = page.items
    return {
        "data": [render(item) for item in items],
        "start_cursor": encode_cursor(items[0].id) if items else "",
        "end_cursor": encode_cursor(items[-1].id) if items else "",
        "has_next_page": page.has_next,
        "has_previous_page": page.has_previous,
    }


def served_page_body(page: _Page[ServedDocument]) -> bytes:
    """The AP paginated envelope of served documents, as JSON bytes."""
    return orjson.dumps(page_document(page, lambda item: orjson.Fragment(item.body)))
