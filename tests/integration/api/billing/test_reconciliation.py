"""Taxes, coupons and credit on one invoice reconcile to the minor unit on both faces.

Expected amounts are worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoicery.service import accounts
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.support.builders import line
from tests.support.tenant import Tenant


def reconciles(invoice: dict[str, Any]) -> None:
    """Σ lines − discounts + tax − credits = amount due, and every part adds up."""
    discounts = sum(coupon["total"] for coupon in invoice["coupons"])
    assert invoice["subtotal"] == sum(item["amount_total"] for item in invoice["line_items"])
    assert invoice["tax_amount"] == sum(item["tax_amount"] for item in invoice["tax_breakdown"])
    assert invoice["total"] == invoice["subtotal"] - discounts + invoice["tax_amount"]
    assert (
        invoice["subtotal"] - discounts + invoice["tax_amount"] - invoice["applied_credits"]
        == invoice["amount_due"]
    )


async def ap_view(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    """The invoice as the AP face shows it."""
    response = await tenant.request("GET", f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def grant(tenant: Tenant, customer: str, amount: int, currency: str) -> None:
    """Give a customer credit."""
    body = {"amount": amount, "currency": currency}
    response = await tenant.request("POST", f"{API}/customers/{customer}/credits", json=body)
    assert response.status_code == 201, response.text


async def test_taxes_coupons_and_credit_reconcile_on_both_faces(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="ada")
    ten = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    five = await v1.coupon(tenant, "FIVE", type="Fixed", amount=500, currency="USD")
    await grant(tenant, "ada", 2_000, "USD")
    draft = await v1.draft(
        tenant,
        "ada",
        v1.line("Consulting", quantity="3", unit_price="33.33", tax_rate="0.20"),  # 9999
        v1.line("Hosting", quantity="1.5", unit_price="19.99", tax_rate="0.07"),  # 2998.5 -> 2999
        v1.line("Setup", quantity="1", unit_price="50"),  # 5000, untaxed
        coupon_ids=[ten["id"], five["id"]],
    )
    final = await v1.act(tenant, draft["id"], "finalize")

    assert [item["amount_total"] for item in final["line_items"]] == [9_999, 2_999, 5_000]
    assert final["subtotal"] == 17_998
    # 10 % of 17998 = 1799.8 -> 1800; then 5.00 off what is left
    assert [coupon["total"] for coupon in final["coupons"]] == [1_800, 500]
    # the 2300 discount split 1278/383/639 (largest remainder); taxable 8721 and 2616
    # tax 8721 × 0.20 = 1744.2 -> 1744 and 2616 × 0.07 = 183.12 -> 183
    assert final["tax_breakdown"] == [
        {
            "name": "Tax 20%",
            "tax_rate": "0.20",
            "taxable_amount": 8_721,
            "tax_amount": 1_744,
            "exemption_type": None,
        },
        {
            "name": "Tax 7%",
            "tax_rate": "0.07",
            "taxable_amount": 2_616,
            "tax_amount": 183,
            "exemption_type": None,
        },
    ]
    assert final["tax_amount"] == 1_927
    assert final["total"] == 17_998 - 2_300 + 1_927 == 17_625
    assert (final["applied_credits"], final["amount_due"]) == (2_000, 15_625)
    reconciles(final)

    ap = await ap_view(tenant, final["id"])
    assert ap["invoice_number"] == final["invoice_number"]
    assert (ap["sub_total"], ap["total"]) == (179.98, 176.25)
    ap_lines = sum(Decimal(str(item["amount"])) * item["quantity"] for item in ap["line_items"])
    assert ap_lines == Decimal("179.98")


@pytest.mark.parametrize(
    ("currency", "unit_price", "quantity", "expected", "ap_totals"),
    [
        # 1000.5 -> 1001 yen; 10 % off: 100.1 -> 100; tax 10 % of 901 = 90.1 -> 90
        ("JPY", "1000.5", "1", (1_001, 100, 90, 991, 491), (1001, 991)),
        # 2.469 KWD; 10 % off: 246.9 -> 247; tax 10 % of 2222 = 222.2 -> 222
        ("KWD", "1.2345", "2", (2_469, 247, 222, 2_444, 1_944), (2.469, 2.444)),
        # 12.35 USD (12.345 rounds up); 10 % off: 123.5 -> 124; tax 10 % of 1111 = 111.1 -> 111
        ("USD", "4.115", "3", (1_235, 124, 111, 1_222, 722), (12.35, 12.22)),
    ],
)
async def test_every_currency_exponent_reconciles(
    tenant: Tenant,
    currency: str,
    unit_price: str,
    quantity: str,
    expected: tuple[int, int, int, int, int],
    ap_totals: tuple[float, float],
) -> None:
    await v1.customer(tenant, alias="payer", currency=currency)
    ten = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    await grant(tenant, "payer", 500, currency)
    draft = await v1.draft(
        tenant,
        "payer",
        v1.line(quantity=quantity, unit_price=unit_price, tax_rate="0.10"),
        coupon_ids=[ten["id"]],
    )
    final = await v1.act(tenant, draft["id"], "finalize")
    subtotal, discount, tax, total, due = expected
    assert final["currency"] == currency
    assert (final["subtotal"], final["coupons"][0]["total"], final["tax_amount"]) == (
        subtotal,
        discount,
        tax,
    )
    assert (final["total"], final["applied_credits"], final["amount_due"]) == (total, 500, due)
    reconciles(final)
    ap = await ap_view(tenant, final["id"])
    assert (ap["sub_total"], ap["total"]) == ap_totals


async def test_customer_rates_apply_on_both_faces(tenant: Tenant) -> None:
    taxes = [
        {"tax_code": "US-NY", "name": "State", "rate": "0.04"},
        {"tax_code": "US-NYC", "name": "City", "rate": "0.045"},
    ]
    customer = await v1.customer(tenant, alias="nyc", custom_taxes=taxes)
    ap_created = await tenant.invoice(line(100), customer_id=customer["id"])
    assert (ap_created["sub_total"], ap_created["total"]) == (100, 108.5)
    seen = (await tenant.request("GET", f"{API}/invoices/{ap_created['id']}")).json()
    assert [(item["name"], item["tax_amount"]) for item in seen["tax_breakdown"]] == [
        ("State", 400),
        ("City", 450),
    ]
    assert seen["line_items"][0]["tax_rate"] == "0.085"
    assert (seen["total"], seen["amount_due"]) == (10_850, 10_850)
    reconciles(seen)
    own_rate = await v1.draft(tenant, "nyc", v1.line(tax_rate="0.05"))
    assert own_rate["tax_amount"] == 500  # a line's own rate wins over the customer's


@pytest.mark.parametrize(
    ("fields", "exemption"),
    [
        ({"vat_number": "FR40303265045"}, "ReverseCharge"),
        (
            {"vat_number": "ATU12345675", "billing_address": {"country": "AT"}},
            "ReverseCharge",
        ),
        ({"is_tax_exempt": True}, "TaxExempt"),
    ],
)
async def test_exempt_customers_pay_no_tax_and_say_why(
    db: Database, tenant: Tenant, fields: dict[str, Any], exemption: str
) -> None:
    await accounts.update_settings(db, name=tenant.account_name, settings={"country": "DE"})
    await v1.customer(tenant, alias="abroad", **fields)
    draft = await v1.draft(tenant, "abroad", v1.line(unit_price="200", tax_rate="0.19"))
    final = await v1.act(tenant, draft["id"], "finalize")
    assert final["tax_amount"] == 0
    assert final["tax_breakdown"] == [
        {
            "name": "Reverse charge" if exemption == "ReverseCharge" else "Tax exempt",
            "tax_rate": "0",
            "taxable_amount": 20_000,
            "tax_amount": 0,
            "exemption_type": exemption,
        }
    ]
    assert final["line_items"][0]["tax_rate"] == "0"
    reconciles(final)


async def test_a_domestic_vat_number_is_taxed(db: Database, tenant: Tenant) -> None:
    await accounts.update_settings(db, name=tenant.account_name, settings={"country": "DE"})
    await v1.customer(tenant, alias="local", vat_number="DE123456789")
    draft = await v1.draft(tenant, "local", v1.line(unit_price="200", tax_rate="0.19"))
    assert draft["tax_amount"] == 3_800
