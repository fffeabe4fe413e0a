"""Credit notes: amounts and tax per credited line, the over-credit rule, transitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from invoicery.domain.coupons import AppliedCoupon
from invoicery.domain.credit_notes import (
    CreditNote,
    CreditNoteStatus,
    CreditRequest,
    CreditTo,
    draft_credit_note,
    ensure_creditable,
    format_credit_note_number,
)
from invoicery.domain.errors import AmountExceeded, ExceedsAmountDue, InvalidInput, InvalidState
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import Lifecycle, PaymentStatus
from invoicery.domain.tax import ExemptionType
from invoicery.domain.totals import BreakdownItem
from tests.unit.domain.test_invoice import NOW, invoice

LATER = NOW + timedelta(hours=1)


def taxed_invoice() -> Invoice:
    """Two lines: 3 × 10.00 at 20 %, and 1 × 5.00 at 7 %; total 36.00 + 6.35 tax."""
    lines = (
        LineItem(
            "Work",
            3,
            1000,
            exact_quantity=Decimal(3),
            unit_price=Decimal("10.00"),
            applied_tax_rate=Decimal("0.20"),
        ),
        LineItem("Book", 1, 500, applied_tax_rate=Decimal("0.07")),
    )
    breakdown = (
        BreakdownItem("VAT", Decimal("0.20"), 3000, 600),
        BreakdownItem("Reduced", Decimal("0.07"), 500, 35),
    )
    return replace(
        invoice(),
        line_items=lines,
        subtotal=3500,
        tax_amount=635,
        total=4135,
        amount_due=4135,
        tax_breakdown=breakdown,
    )


def draft(
    source: Invoice, *requests: CreditRequest, to: CreditTo = CreditTo.AMOUNT_DUE
) -> CreditNote:
    return draft_credit_note(source, requests, credit_to=to, reason="returned", memo=None, now=NOW)


def test_each_line_is_credited_with_tax_at_its_own_rate() -> None:
    note = draft(
        taxed_invoice(), CreditRequest(0, quantity=Decimal(1)), CreditRequest(1, amount=250)
    )
    assert [(line.amount, line.tax_rate, line.tax_amount) for line in note.lines] == [
        (1000, Decimal("0.20"), 200),
        (250, Decimal("0.07"), 18),  # 17.5 rounds half up
    ]
    assert (note.subtotal, note.tax_amount, note.total) == (1250, 218, 1468)
    assert [(item.name, item.taxable_amount, item.tax_amount) for item in note.tax_breakdown] == [
        ("VAT", 1000, 200),
        ("Reduced", 250, 18),
    ]
    assert note.status is CreditNoteStatus.DRAFT
    assert note.credit_note_number is None


def test_a_reverse_charged_invoice_credits_no_tax() -> None:
    exempt = BreakdownItem(
        "Reverse charge", Decimal(0), 3500, 0, exemption=ExemptionType.REVERSE_CHARGE
    )
    source = replace(taxed_invoice(), tax_amount=0, total=3500, tax_breakdown=(exempt,))
    note = draft(source, CreditRequest(0, amount=3000))
    assert (note.tax_amount, note.total) == (0, 3000)
    [item] = note.tax_breakdown
    assert (item.exemption, item.taxable_amount, item.tax_amount) == (
        ExemptionType.REVERSE_CHARGE,
        3000,
        0,
    )


def test_a_discounted_line_is_credited_from_its_net_amount() -> None:
    source = replace(invoice(), coupons=(), total=1500)
    discounted = replace(source, coupons=(AppliedCoupon(source.id, "HALF", 1000),))
    note = draft(discounted, CreditRequest(0, quantity=Decimal(2)))
    assert note.total == 1000  # the whole line nets 2000 − 1000
    with pytest.raises(InvalidInput) as refused:
        draft(discounted, CreditRequest(0, amount=1001))
    assert "line_items[0].amount" in refused.value.fields


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (CreditRequest(5, amount=1), "line_items[0].line_index"),
        (CreditRequest(0), "line_items[0]"),
        (CreditRequest(0, quantity=Decimal(1), amount=1), "line_items[0]"),
        (CreditRequest(0, quantity=Decimal(4)), "line_items[0].quantity"),
        (CreditRequest(0, quantity=Decimal(0)), "line_items[0].quantity"),
        (CreditRequest(0, amount=0), "line_items[0].amount"),
        (CreditRequest(0, amount=3001), "line_items[0].amount"),
    ],
)
def test_bad_lines_are_refused_by_field(request_: CreditRequest, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        draft(taxed_invoice(), request_)
    assert field in refused.value.fields


def test_a_line_is_credited_once_per_note_and_a_note_needs_a_line() -> None:
    with pytest.raises(InvalidInput):
        draft(taxed_invoice(), CreditRequest(0, amount=1), CreditRequest(0, amount=1))
    with pytest.raises(InvalidInput):
        draft(taxed_invoice())


@pytest.mark.parametrize("lifecycle", [Lifecycle.DRAFT, Lifecycle.VOID, Lifecycle.UNCOLLECTIBLE])
def test_only_a_finalized_invoice_is_credited(lifecycle: Lifecycle) -> None:
    source = replace(taxed_invoice(), state=replace(invoice().state, lifecycle=lifecycle))
    with pytest.raises(InvalidState):
        draft(source, CreditRequest(0, amount=1))


def test_credit_notes_never_credit_more_than_the_invoice_total() -> None:
    ensure_creditable(invoice_total=4135, credited=4000, total=135)
    with pytest.raises(AmountExceeded):
        ensure_creditable(invoice_total=4135, credited=4000, total=136)
    with pytest.raises(AmountExceeded):
        ensure_creditable(invoice_total=100, credited=0, total=101)


def test_finalizing_numbers_and_freezes_it() -> None:
    note = draft(taxed_invoice(), CreditRequest(1, amount=500), to=CreditTo.REFUND)
    final = note.finalized(number=format_credit_note_number(7), refunded=535, now=LATER)
    assert (final.status, final.credit_note_number, final.refunded_amount) == (
        CreditNoteStatus.FINALIZED,
        "CN-000007",
        535,
    )
    assert final.finalized_at == LATER
    with pytest.raises(InvalidState):
        final.finalized(number="CN-000008", refunded=0, now=LATER)


def test_void_undoes_drafts_and_credits_but_never_a_refund() -> None:
    note = draft(taxed_invoice(), CreditRequest(1, amount=500))
    assert note.voided(now=LATER).status is CreditNoteStatus.VOIDED
    final = note.finalized(number="CN-000001", refunded=0, now=LATER)
    voided = final.voided(now=LATER)
    assert (voided.status, voided.voided_at) == (CreditNoteStatus.VOIDED, LATER)
    with pytest.raises(InvalidState):
        voided.voided(now=LATER)
    refund = replace(final, credit_to=CreditTo.REFUND)
    with pytest.raises(InvalidState):
        refund.voided(now=LATER)


def test_a_credit_lowers_the_amount_due_and_pays_it_when_nothing_is_left() -> None:
    source = taxed_invoice()
    part = source.credited(135, now=LATER)
    assert part.amount_due == 4000
    full = part.credited(4000, now=LATER)
    assert (full.amount_due, full.state.payment_status) == (0, PaymentStatus.PAID)
    with pytest.raises(ExceedsAmountDue):
        part.credited(4001, now=LATER)
    with pytest.raises(InvalidState):
        full.credited(1, now=LATER)
    back = full.credit_withdrawn(4000, now=LATER)  # the first credit of 135 still stands
    assert (back.amount_due, back.state.payment_status, back.paid_at) == (
        4000,
        PaymentStatus.PARTIALLY_PAID,
        None,
    )
    unpaid = back.credit_withdrawn(135, now=LATER)
    assert (unpaid.amount_due, unpaid.state.payment_status) == (4135, PaymentStatus.UNPAID)
    with pytest.raises(InvalidInput):
        unpaid.credit_withdrawn(1, now=LATER)  # more than was ever settled
