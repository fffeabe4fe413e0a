"""Pricing and finalization, shared by both faces (AP `POST /invoices` finalizes at once).

`price` turns an invoice's lines, its customer's tax situation, coupons and credit into
amounts (see `invoicery.domain.totals`; reverse charge by `domain.tax.exemption_for`).
`finalize` does it for real inside the caller's write transaction: it numbers the
invoice, freezes the customer's details, counts the coupon redemptions, consumes the
credit and, if the account has e-invoicing on, issues the e-invoice
(`invoicery.service.einvoicing`), so all of it commits or none.
`restore_credit` gives the consumed credit back when the invoice is voided; its coupon
redemptions are not given back (see `invoicery.domain.coupons`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.account import format_invoice_number
from invoicery.domain.coupons import Coupon
from invoicery.domain.credits import CreditEntry, CreditKind, new_entry
from invoicery.domain.customer import Customer, snapshot
from invoicery.domain.einvoicing import OFF
from invoicery.domain.errors import InvalidState
from invoicery.domain.invoice import Invoice
from invoicery.domain.tax import exemption_for, line_taxes
from invoicery.domain.totals import PricedLine, compute
from invoicery.domain.vat_numbers import counts_for_reverse_charge
from invoicery.service import einvoicing
from invoicery.store import accounts, coupons, credits, customers, numbering
from invoicery.store.numbering import Numbered

__all__ = ["finalize", "merchant_country", "numbered_final", "price", "restore_credit"]


def price(
    invoice: Invoice,
    *,
    customer: Customer,
    merchant_country: str | None,
    applied: Sequence[Coupon],
    credit_balance: int,
) -> Invoice:
    """`invoice` with every amount computed from its lines, taxes, coupons and credit."""
    exemption = exemption_for(
        tax_exempt=customer.is_tax_exempt,
        vat_number=customer.vat_number,
        customer_country=customer.country,
        merchant_country=merchant_country,
    )
    custom = [tax.component() for tax in customer.custom_taxes]
    lines = [
        PricedLine(line.total, line_taxes(line.tax_rate, custom)) for line in invoice.line_items
    ]
    totals = compute(
        lines,
        discounts=[coupon.discount for coupon in applied],
        exemption=exemption,
        credit_balance=credit_balance,
    )
    return invoice.priced(totals, [(coupon.id, coupon.code) for coupon in applied])


def _reverse_charge_possible(customer: Customer) -> bool:
    """Whether the account's country can matter (saves reading it): reverse charge needs a
    buyer's VAT number that counts, as `domain.tax.exemption_for` decides."""
    number = customer.vat_number
    if customer.is_tax_exempt or not number:
        return False
    return counts_for_reverse_charge(number, customer.country)


async def merchant_country(conn: AsyncConnection, customer: Customer) -> str | None:
    """The account's country when it can matter (reverse charge needs a VAT number)."""
    if not _reverse_charge_possible(customer):
        return None
    account = await accounts.get(conn, customer.account_id)
    return account.country if account else None


async def _redeemable(conn: AsyncConnection, invoice: Invoice, now: datetime) -> list[Coupon]:
    """The draft's coupons, locked; `InvalidState` if one can no longer be redeemed.

    Its customer's row lock, which the caller holds, serializes finalizations of that
    customer's drafts, and the redemptions are read after it (READ COMMITTED on
    PostgreSQL, a write lock on SQLite), so they include any committed meanwhile: two
    drafts cannot both redeem a coupon that is not reusable.
    """
    wanted = [coupon.coupon_id for coupon in invoice.coupons]
    found = await coupons.get_many(
        conn, account_id=invoice.account_id, coupon_ids=wanted, for_update=True
    )
    redeemed = await coupons.redeemed_by(
        conn,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        coupon_ids=[coupon.id for coupon in found.values() if not coupon.reusable],
    )
    applied = []
    for coupon_id in wanted:
        coupon = found.get(coupon_id)
        if coupon is None:
            raise InvalidState("a coupon of this invoice no longer exists")
        problem = coupon.redeem_error(
            currency=invoice.currency, now=now, redeemed_by_customer=coupon.id in redeemed
        )
        if problem is not None:
            raise InvalidState(problem)
        applied.append(coupon)
    return applied


async def _balance(conn: AsyncConnection, invoice: Invoice) -> int:
    """The invoice's customer's credit balance in the invoice's currency."""
    return await credits.balance(
        conn,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
    )


def _credit_entry(
    invoice: Invoice, kind: CreditKind, amount: int, balance: int, why: str
) -> CreditEntry:
    """`amount` of credit moving for `invoice` from its customer's `balance`."""
    return new_entry(
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        kind=kind,
        amount=amount,
        balance=balance,
        invoice_id=invoice.id,
        description=why,
    )


def numbered_final(
    invoice: Invoice,
    *,
    customer: Customer,
    applied: Sequence[Coupon],
    numbered: Numbered,
    now: datetime,
) -> tuple[Invoice, CreditEntry | None]:
    """A draft priced with `numbered`'s credit, numbered and frozen; the credit it consumes."""
    invoice.ensure_draft()
    balance = numbered.credit_balance
    priced = price(
        invoice,
        customer=customer,
        merchant_country=numbered.country if _reverse_charge_possible(customer) else None,
        applied=applied,
        credit_balance=balance,
    )
    number = format_invoice_number(numbered.prefix, numbered.sequence)
    final = priced.finalized(number=number, details=snapshot(customer, now), now=now)
    if not final.applied_credits:
        return final, None
    why = f"applied to invoice {final.invoice_number}"
    return final, _credit_entry(final, CreditKind.APPLIED, -final.applied_credits, balance, why)


async def finalize(
    conn: AsyncConnection, *, invoice: Invoice, customer: Customer, now: datetime
) -> Invoice:
    """Price, number and finalize a draft; the caller holds the customer's row lock."""
    invoice.ensure_draft()
    applied = await _redeemable(conn, invoice, now)
    numbered = await numbering.take(
        conn,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
    )
    final, credit = numbered_final(
        invoice, customer=customer, applied=applied, numbered=numbered, now=now
    )
    if numbered.einvoicing != OFF:
        final = await einvoicing.issue_in(conn, final, customer=customer, now=now)
    for coupon in applied:
        await coupons.increment_redemptions(conn, coupon)
        await coupons.insert_redemption(
            conn, coupon, customer_id=final.customer_id, invoice_id=final.id, redeemed_at=now
        )
    if credit is not None:
        await credits.insert(conn, credit)
    return final


async def restore_credit(conn: AsyncConnection, invoice: Invoice) -> None:
    """Give a voided invoice's consumed credit back to its customer (locked first)."""
    await customers.get(
        conn, account_id=invoice.account_id, customer_id=invoice.customer_id, for_update=True
    )
    balance = await _balance(conn, invoice)
    why = f"invoice {invoice.invoice_number} voided"
    entry = _credit_entry(invoice, CreditKind.RESTORED, invoice.applied_credits, balance, why)
    await credits.insert(conn, entry)
