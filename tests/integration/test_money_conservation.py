"""Money is conserved, and both faces and the PDF agree, whatever corrects and collects an invoice.

Each example prices a fresh invoice through the HTTP API (a taxed line, maybe a coupon,
maybe customer credit consumed at finalization), then applies a random sequence of
partial offline payments (on either face), card payments on the hosted page, credit
notes (DebtCancellation, CreditToBalance, Refund). After every step:

- the AP view's total (major units) is the v1 total (the AP face has no amount due),
  and it shows PAID iff v1 has nothing due (v1: `Paid`), except for an invoice issued
  with nothing due (`ISSUED_WITH_NOTHING_DUE`);
- the identity the code keeps at finalization and after, where `total - applied_credits`
  is what finalization left due (`Invoice.credit_withdrawn`'s `issued_due`):

      paid + credited + amount_due == total - applied_credits

  with paid = settled payments - settled refunds (v1 `transactions`) and credited = the
  totals of finalized DebtCancellation and Refund credit notes (a refund gives money
  back, so it lowers `paid` by what its note credits; it never changes `amount_due`).
  CreditToBalance notes credit the customer's balance, not this invoice;
- the credit notes never credit more than the total.

At the end the invoice PDF shows the total, and the amount due when something is due.
A step that does not apply (a payment when nothing is due, a refund without a card
payment, a credit the invoice's total or amount due cannot take) is refused with a
409 or 422 and changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from invoicery.domain import money
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.integration.documents.conftest import pdf_text
from tests.integration.pages.hosted import open_page
from tests.support.tenant import Tenant

CURRENCY = "USD"
ISSUED_WITH_NOTHING_DUE = (
    "Known gap, not asserted: an invoice finalized with nothing due (credit or a coupon "
    "covers it all) stays Unpaid (AP: UPCOMING) with amount_due 0; it is never PAID."
)
STEP_KINDS = ("offline_v1", "offline_ap", "card", "DebtCancellation", "CreditToBalance", "Refund")


@dataclass(frozen=True)
class Setup:
    """The invoice to build: one line, its tax, a coupon and customer credit (minor units)."""

    unit_price: int
    quantity: int
    tax_rate: str | None
    coupon: tuple[str, int] | None  # ("Percentage", percent) or ("Fixed", minor units)
    credit: int


setups = st.builds(
    Setup,
    unit_price=st.integers(100, 50_000),
    quantity=st.integers(1, 3),
    tax_rate=st.sampled_from([None, "0.1", "0.2", "0.0725"]),
    coupon=st.one_of(
        st.none(),
        st.tuples(st.just("Percentage"), st.integers(1, 60)),
        st.tuples(st.just("Fixed"), st.integers(1, 20_000)),
    ),
    credit=st.one_of(st.just(0), st.integers(1, 30_000)),
)
# Each step: what to do and a fraction (per mille) of the amount it could take.
steps = st.lists(
    st.tuples(st.sampled_from(STEP_KINDS), st.integers(1, 1000)), min_size=1, max_size=5
)


async def _v1(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    response = await tenant.request("GET", f"{API}/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _finalized(tenant: Tenant, setup: Setup) -> dict[str, Any]:
    """A fresh customer's invoice built and finalized as `setup` says."""
    customer = await v1.customer(tenant)
    if setup.credit:
        body = {"amount": setup.credit, "currency": CURRENCY, "description": "goodwill"}
        granted = await tenant.request(
            "POST", f"{API}/customers/{customer['id']}/credits", json=body
        )
        assert granted.status_code == 201, granted.text
    fields: dict[str, Any] = {}
    if setup.coupon is not None:
        kind, value = setup.coupon
        terms: dict[str, Any] = (
            {"type": kind, "percentage": str(value)}
            if kind == "Percentage"
            else {"type": kind, "amount": value, "currency": CURRENCY}
        )
        made = await v1.coupon(tenant, f"C{uuid.uuid4().hex[:10]}", **terms)
        fields["coupon_ids"] = [made["id"]]
    unit = money.to_major_string(setup.unit_price, CURRENCY)
    line = v1.line("Work", quantity=str(setup.quantity), unit_price=unit)
    if setup.tax_rate is not None:
        line["tax_rate"] = setup.tax_rate
    draft = await v1.draft(tenant, customer["id"], line, **fields)
    return await v1.act(tenant, draft["id"], "finalize")


async def _pay_offline(tenant: Tenant, invoice_id: str, amount: int, *, ap: bool) -> int:
    if ap:  # major units, sent as an exact JSON number
        text = money.to_major_string(amount, CURRENCY)
        response = await tenant.request(
            "POST",
            f"/invoices/{invoice_id}/payments",
            content=f'{{"amount": {text}, "method": "BANK_TRANSFER", "reference": "W"}}',
            headers={"Content-Type": "application/json"},
        )
    else:
        body = {"amount": amount, "method": "OTHER"}
        response = await tenant.request("POST", f"{API}/invoices/{invoice_id}/payments", json=body)
    return response.status_code


async def _credit_note(tenant: Tenant, invoice_id: str, credit_type: str, amount: int) -> int:
    """Create and finalize a note crediting `amount` of line 0 (before tax); void it if
    finalizing is refused. The status of the last request that decided."""
    body = {
        "invoice_id": invoice_id,
        "credit_type": credit_type,
        "line_items": [{"line_index": 0, "amount": amount}],
    }
    created = await tenant.request("POST", f"{API}/credit-notes", json=body)
    if created.status_code != 201:
        return created.status_code
    note_id = created.json()["id"]
    finalized = await tenant.request("POST", f"{API}/credit-notes/{note_id}/finalize")
    if finalized.status_code != 200:
        voided = await tenant.request("POST", f"{API}/credit-notes/{note_id}/void")
        assert voided.status_code == 200, voided.text
    return finalized.status_code


async def _step(tenant: Tenant, invoice: dict[str, Any], kind: str, per_mille: int) -> None:
    invoice_id, due, total = invoice["id"], invoice["amount_due"], invoice["total"]
    if kind in ("offline_v1", "offline_ap"):
        amount = max(1, due * per_mille // 1000)
        status = await _pay_offline(tenant, invoice_id, amount, ap=kind == "offline_ap")
        expected = {201} if due else {400, 409, 422}
        assert status in expected, (kind, amount, due, status)
        event(f"{kind}: {status}")
    elif kind == "card":
        if not due:
            return  # a paid invoice's page takes no payment
        page = await open_page(tenant, invoice)
        paid = await page.pay_card()
        assert paid.status_code in (200, 303), paid.text
        event(f"{kind}: paid")
    else:
        # Before tax, per mille of the line after its discount share (at most the line).
        line_total = invoice["line_items"][0]["amount_total"]
        taxable = line_total - sum(coupon["total"] for coupon in invoice["coupons"])
        base = min(taxable, due) if kind == "DebtCancellation" else taxable
        amount = max(1, max(base, 1) * per_mille // 1000)
        status = await _credit_note(tenant, invoice_id, kind, amount)
        assert status in (200, 400, 409, 422), (kind, amount, total, status)
        event(f"{kind}: {status}")


async def _check(tenant: Tenant, invoice_id: str, credited: list[dict[str, Any]]) -> dict[str, Any]:
    """Assert both faces agree and money is conserved; the v1 invoice."""
    seen = await _v1(tenant, invoice_id)
    ap = await tenant.request("GET", f"/invoices/{invoice_id}")
    assert ap.status_code == 200, ap.text
    ap_invoice = ap.json()
    assert money.to_minor(Decimal(str(ap_invoice["total"])), CURRENCY) == seen["total"]
    if seen["total"] - seen["applied_credits"] > 0:  # see ISSUED_WITH_NOTHING_DUE
        assert (ap_invoice["status"] == "PAID") == (seen["amount_due"] == 0), (ap_invoice, seen)
        assert (seen["payment_status"] == "Paid") == (seen["amount_due"] == 0)
    settled = [txn for txn in seen["transactions"] if txn["status"] == "Settled"]
    payments = sum(txn["amount"] for txn in settled if txn["payment_type"] == "Payment")
    refunds = sum(txn["amount"] for txn in settled if txn["payment_type"] == "Refund")
    notes = [note for note in credited if note["status"] == "Finalized"]
    cancelled = sum(n["total"] for n in notes if n["credit_type"] == "DebtCancellation")
    refunded = sum(n["total"] for n in notes if n["credit_type"] == "Refund")
    assert refunds == refunded
    paid, credits = payments - refunds, cancelled + refunded
    assert paid + credits + seen["amount_due"] == seen["total"] - seen["applied_credits"]
    assert 0 <= seen["amount_due"] <= seen["total"] - seen["applied_credits"]
    assert sum(note["total"] for note in notes) <= seen["total"]
    return seen


async def _notes(tenant: Tenant, invoice_id: str) -> list[dict[str, Any]]:
    params = {"invoice_id": invoice_id, "per_page": 100}
    response = await tenant.request("GET", f"{API}/credit-notes", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(setup=setups, plan=steps)
async def test_money_is_conserved_and_every_view_agrees(
    tenant: Tenant, tmp_path: Path, setup: Setup, plan: list[tuple[str, int]]
) -> None:
    invoice = await _finalized(tenant, setup)
    invoice = await _check(tenant, invoice["id"], [])
    for kind, per_mille in plan:
        await _step(tenant, invoice, kind, per_mille)
        invoice = await _check(tenant, invoice["id"], await _notes(tenant, invoice["id"]))
    pdf = await tenant.request("GET", f"{API}/invoices/{invoice['id']}/download")
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content, tmp_path)
    assert money.format_amount(invoice["total"], CURRENCY) in text
    if invoice["amount_due"]:
        assert money.format_amount(invoice["amount_due"], CURRENCY) in text
