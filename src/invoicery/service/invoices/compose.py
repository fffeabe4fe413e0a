"""A draft composed from a request: its customer, currency, dates, lines and coupons.

Two requests make an invoice. A billing-v1 `DraftFields` composes (or recomposes) a
draft, priced as a preview (no credit applied). An AP `NewInvoice` composes a draft
that is finalized in the same transaction (`lifecycle.create_finalized`); its rules
are the AP face's: a customer named by id, exact amounts, at least one line, a due
date from today on, every problem reported at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import calendar, ids, money
from invoicery.domain.account import today_in
from invoicery.domain.coupons import COUPON_PREFIX, Coupon
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidInput
from invoicery.domain.invoice import Invoice, LineItem, due_date_error
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.runtime import off_the_loop
from invoicery.service.customers import customer_uuid, find_customer
from invoicery.service.invoices.lines import (
    NewLine,
    NewSubLine,
    decimal_lines,
    exact_lines,
    is_heavy,
)
from invoicery.service.invoices.pricing import merchant_country, price
from invoicery.store import coupons

__all__ = [
    "DEFAULT_CURRENCY",
    "FIELD_NAMES",
    "MAX_NET_TERMS",
    "DraftFields",
    "NewInvoice",
    "blank_draft",
    "compose",
    "current_fields",
    "draft_of",
    "no_customer",
]

DEFAULT_CURRENCY = "USD"
MAX_NET_TERMS = 3650
_INVALID = "the invoice is invalid"
_NO_CUSTOMER = "no such customer"


@dataclass(frozen=True, slots=True)
class DraftFields:
    """Everything a caller sets on a draft; dates default to the account's today."""

    customer_id: str
    currency: str | None = None
    invoice_date: date | None = None
    net_terms: int | None = None
    due_date: date | None = None
    memo: str | None = None
    purchase_order: str | None = None
    reference: str | None = None
    line_items: tuple[NewLine, ...] = ()
    coupon_ids: tuple[str, ...] = ()


FIELD_NAMES = frozenset(field.name for field in fields(DraftFields))


@dataclass(frozen=True, slots=True)
class NewInvoice:
    """An invoice to finalize at once: issued today, due `due_date` (default today)."""

    customer_id: str
    line_items: tuple[NewLine, ...]
    currency: str = DEFAULT_CURRENCY
    due_date: date | None = None
    memo: str | None = None
    exclude_from_autopay: bool = False


def no_customer() -> InvalidInput:
    """The refusal of a request naming a missing or archived customer."""
    return InvalidInput(_INVALID, {"customer_id": _NO_CUSTOMER})


def blank_draft(principal: Principal) -> Invoice:
    """A new draft's identity and status; composing fills in every document field."""
    invoice_id = ids.new_uuid7()
    created_at = ids.timestamp_of(invoice_id)
    return Invoice(
        id=invoice_id,
        account_id=principal.account_id,
        customer_id=invoice_id,  # a placeholder, replaced by the requested customer
        invoice_number=None,
        currency=DEFAULT_CURRENCY,
        state=InvoiceState(
            lifecycle=Lifecycle.DRAFT,
            payment_status=PaymentStatus.UNPAID,
            payment_pending=False,
            archived=False,
            due_date=created_at.date(),
        ),
        invoice_date=created_at.date(),
        memo=None,
        exclude_from_autopay=False,
        line_items=(),
        subtotal=0,
        total=0,
        amount_due=0,
        created_at=created_at,
        updated_at=created_at,
        last_notification_at=None,
    )


def _filled(
    draft: Invoice,
    *,
    customer_id: UUID,
    currency: str,
    invoice_date: date,
    due_date: date,
    lines: tuple[LineItem, ...],
    memo: str | None,
    now: datetime,
    purchase_order: str | None = None,
    reference: str | None = None,
    exclude_from_autopay: bool = False,
) -> Invoice:
    """`draft` with every document field a request sets."""
    return replace(
        draft,
        customer_id=customer_id,
        currency=currency,
        invoice_date=invoice_date,
        state=replace(draft.state, due_date=due_date),
        memo=memo,
        purchase_order=purchase_order,
        reference=reference,
        exclude_from_autopay=exclude_from_autopay,
        line_items=lines,
        updated_at=now,
    )


def draft_of(principal: Principal, new: NewInvoice, now: datetime) -> Invoice:
    """A draft of `new` to finalize at once, or `InvalidInput` naming every problem.

    Its customer is only named here: the caller locks it and checks it is live.
    """
    errors: dict[str, str] = {}
    lines: tuple[LineItem, ...] = ()
    if (message := money.currency_error(new.currency)) is not None:
        errors["currency"] = message
    else:
        lines = exact_lines(new.line_items, new.currency, errors)
    today = today_in(principal.timezone, now)
    due = new.due_date or today
    if (message := due_date_error(due, today)) is not None:
        errors["due_date"] = message
    customer_id = customer_uuid(new.customer_id)
    if customer_id is None:
        errors["customer_id"] = _NO_CUSTOMER
    if errors or customer_id is None:
        raise InvalidInput(_INVALID, errors)
    return _filled(
        blank_draft(principal),
        customer_id=customer_id,
        currency=new.currency,
        invoice_date=today,
        due_date=due,
        lines=lines,
        memo=new.memo,
        now=now,
        exclude_from_autopay=new.exclude_from_autopay,
    )


def _due_date(
    invoice_date: date, net_terms: int | None, due: date | None, errors: dict[str, str]
) -> date:
    if net_terms is not None and due is not None:
        errors["due_date"] = "give net_terms or due_date, not both"
        return invoice_date
    if due is not None:
        if due < invoice_date:
            errors["due_date"] = "must not be before invoice_date"
        elif (due - invoice_date).days > MAX_NET_TERMS:
            # the bound of net_terms, which a draft keeps (and a PATCH re-checks) as its terms
            errors["due_date"] = f"must be at most {MAX_NET_TERMS} days after invoice_date"
        return due
    terms = net_terms or 0
    if not 0 <= terms <= MAX_NET_TERMS:
        errors["net_terms"] = f"must be between 0 and {MAX_NET_TERMS} days"
        return invoice_date
    due_date = calendar.add_days(invoice_date, terms)
    if due_date is None:
        errors["net_terms"] = f"the due date would be after {calendar.LAST_DAY.isoformat()}"
        return invoice_date
    return due_date


async def _coupons(
    conn: AsyncConnection,
    principal: Principal,
    texts: Sequence[str],
    customer: Customer,
    currency: str,
    now: datetime,
    errors: dict[str, str],
) -> list[Coupon]:
    """The coupons named by `texts` that `customer`'s draft may apply; problems in `errors`."""
    wanted: list[UUID | None] = []
    for text in texts:
        try:
            wanted.append(ids.decode(COUPON_PREFIX, text))
        except ids.InvalidId:
            wanted.append(None)
    found = await coupons.get_many(
        conn,
        account_id=principal.account_id,
        coupon_ids=[coupon_id for coupon_id in wanted if coupon_id is not None],
    )
    redeemed = await coupons.redeemed_by(
        conn,
        account_id=principal.account_id,
        customer_id=customer.id,
        coupon_ids=[coupon.id for coupon in found.values() if not coupon.reusable],
    )
    applied = []
    for index, coupon_id in enumerate(wanted):
        coupon = found.get(coupon_id) if coupon_id is not None else None
        if coupon is None:
            errors[f"coupon_ids[{index}]"] = "no such coupon"
        elif coupon_id in wanted[:index]:
            errors[f"coupon_ids[{index}]"] = "the same coupon is given twice"
        elif (
            problem := coupon.redeem_error(
                currency=currency, now=now, redeemed_by_customer=coupon.id in redeemed
            )
        ) is not None:
            errors[f"coupon_ids[{index}]"] = problem
        else:
            applied.append(coupon)
    return applied


async def compose(
    conn: AsyncConnection, principal: Principal, draft: Invoice, values: DraftFields, now: datetime
) -> tuple[Invoice, Customer]:
    """The draft `draft` rewritten from `values` and priced as a preview, with its customer."""
    errors: dict[str, str] = {}
    customer = await find_customer(conn, principal, values.customer_id)
    if customer is None or customer.archived_at is not None:
        raise no_customer()
    currency = values.currency or customer.currency
    if (message := money.currency_error(currency)) is not None:
        errors["currency"] = message
        currency = customer.currency
    invoice_date = values.invoice_date or today_in(principal.timezone, now)
    due = _due_date(invoice_date, values.net_terms, values.due_date, errors)
    coupon_errors: dict[str, str] = {}
    applied = await _coupons(
        conn, principal, values.coupon_ids, customer, currency, now, coupon_errors
    )
    country = await merchant_country(conn, customer)

    def priced() -> Invoice:
        lines = decimal_lines(values.line_items, currency, errors)
        errors.update(coupon_errors)
        if errors:
            raise InvalidInput(_INVALID, errors)
        composed = _filled(
            draft,
            customer_id=customer.id,
            currency=currency,
            invoice_date=invoice_date,
            due_date=due,
            lines=lines,
            memo=values.memo,
            now=now,
            purchase_order=values.purchase_order,
            reference=values.reference,
        )
        return price(
            composed,
            customer=customer,
            merchant_country=country,
            applied=applied,
            credit_balance=0,
        )

    return await off_the_loop(priced, heavy=is_heavy(values.line_items)), customer


def _requested_lines(invoice: Invoice) -> tuple[NewLine, ...]:
    """A draft's stored lines as they were requested (to price them again)."""
    return tuple(
        NewLine(
            name=line.description,
            quantity=line.exact_quantity,
            unit_price=line.unit_price,
            description=line.details,
            tax_rate=line.tax_rate,
            start_date=line.start_date,
            end_date=line.end_date,
            sub_lines=tuple(
                NewSubLine(sub.name, sub.quantity, sub.unit_price) for sub in line.sub_lines
            ),
        )
        for line in invoice.line_items
    )


def current_fields(invoice: Invoice) -> dict[str, Any]:
    """The draft's present values, keyed like `DraftFields`."""
    return {
        "customer_id": ids.encode(ids.CUSTOMER, invoice.customer_id),
        "currency": invoice.currency,
        "invoice_date": invoice.invoice_date,
        "net_terms": invoice.net_terms,
        "memo": invoice.memo,
        "purchase_order": invoice.purchase_order,
        "reference": invoice.reference,
        "line_items": _requested_lines(invoice),
        "coupon_ids": tuple(ids.encode(COUPON_PREFIX, c.coupon_id) for c in invoice.coupons),
    }
