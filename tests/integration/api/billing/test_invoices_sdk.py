"""The official `meteroid` SDK's invoice calls work against /api/v1 in version 2026-10.

Every call it offers on invoices that Invoicery serves: list (auto-paging, every filter,
every order), retrieve, refresh, update of custom properties, download. Each decodes
without error and returns what was stored, as 2026-03 shows the same invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from meteroid import AsyncMeteroid, BadRequestError, ConflictError, NotFoundError
from meteroid.models import Invoice, InvoiceStatus
from sqlalchemy import select

from invoicery.domain import ids
from invoicery.store.database import Database
from invoicery.store.tables import invoice_documents, invoices
from tests.integration.api.billing import v1
from tests.integration.api.billing.test_listed import (
    _every_kind_of_invoice as every_kind_of_invoice,
)
from tests.integration.pages.hosted import DECLINED_CARD, GOOD_CARD, open_page
from tests.support.builders import line
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant

V2026_03 = {"Invoicery-Version": "2026-03"}
STATUS = {
    "Draft": "DRAFT",
    "Finalized": "FINALIZED",
    "Uncollectible": "UNCOLLECTIBLE",
    "Void": "VOID",
}
PAYMENT_STATUS = {"Unpaid": "UNPAID", "PartiallyPaid": "PARTIALLY_PAID", "Paid": "PAID"}
TRANSACTION_STATUS = {
    "Pending": "PENDING",
    "Settled": "SETTLED",
    "Failed": "FAILED",
    "Cancelled": "CANCELLED",
}
METHOD_TYPE = {"Card": "CARD", "BankTransfer": "BANK_TRANSFER"}
EXEMPTION = {
    None: None,
    "ReverseCharge": "REVERSE_CHARGE",
    "TaxExempt": "TAX_EXEMPT",
    "NotRegistered": "NOT_REGISTERED",
}


@pytest.fixture
async def sdk(tenant: Tenant, http: httpx.AsyncClient) -> AsyncMeteroid:
    return await meteroid_client(tenant, http)


async def as_2026_03(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    """The invoice as 2026-03 shows it."""
    response = await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}", headers=V2026_03)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def assert_same(invoice: Invoice, stored: dict[str, Any]) -> None:
    """The SDK's invoice shows what 2026-03 shows of it, in 2026-10's spelling."""
    assert invoice.id == stored["id"]
    assert invoice.invoice_number == stored["invoice_number"]
    assert invoice.status == STATUS[stored["status"]]
    assert invoice.invoice_type == "ONE_OFF"
    assert invoice.customer_id == stored["customer_id"]
    assert invoice.subscription_id is None
    assert invoice.currency == stored["currency"]
    assert invoice.invoice_date.isoformat() == stored["invoice_date"]
    assert invoice.billing_period_start == invoice.invoice_date
    assert invoice.due_date is not None
    assert invoice.due_date.isoformat() == stored["due_date"]
    assert invoice.net_terms == stored["net_terms"]
    for name in ("memo", "purchase_order", "reference"):
        assert getattr(invoice, name) == stored[name], name
    amounts = (
        "subtotal",
        "subtotal_recurring",
        "tax_amount",
        "total",
        "applied_credits",
        "amount_due",
    )
    for name in amounts:
        assert getattr(invoice, name) == stored[name], name
    assert invoice.tax_inclusive is False
    assert invoice.einvoicing_status is None
    assert (invoice.parent_invoice_id, invoice.child_invoice_id) == (None, None)
    assert [(c.coupon_id, c.name, c.total) for c in invoice.coupons] == [
        (c["coupon_id"], c["name"], c["total"]) for c in stored["coupons"]
    ]
    assert [
        (t.name, t.tax_rate, t.taxable_amount, t.tax_amount, t.exemption_type)
        for t in invoice.tax_breakdown
    ] == [
        (
            t["name"],
            Decimal(t["tax_rate"]),
            t["taxable_amount"],
            t["tax_amount"],
            EXEMPTION[t["exemption_type"]],
        )
        for t in stored["tax_breakdown"]
    ]
    assert len(invoice.line_items) == len(stored["line_items"])
    for item, seen in zip(invoice.line_items, stored["line_items"], strict=True):
        assert (item.name, item.description, item.amount_total) == (
            seen["name"],
            seen["description"],
            seen["amount_total"],
        )
        assert (item.quantity, item.unit_price) == (
            _decimal(seen.get("quantity")),
            _decimal(seen.get("unit_price")),
        )
        assert item.tax_rate == Decimal(seen["tax_rate"])
        assert (item.start_date.isoformat(), item.end_date.isoformat()) == (
            seen["start_date"],
            seen["end_date"],
        )
        assert [(s.id, s.name, s.quantity, s.unit_price, s.total) for s in item.sub_line_items] == [
            (s["id"], s["name"], Decimal(s["quantity"]), Decimal(s["unit_price"]), s["total"])
            for s in seen["sub_line_items"]
        ]
    assert len(invoice.transactions) == len(stored["transactions"])
    for transaction, seen in zip(invoice.transactions, stored["transactions"], strict=True):
        assert (transaction.id, transaction.amount, transaction.currency) == (
            seen["id"],
            seen["amount"],
            seen["currency"],
        )
        assert transaction.status == TRANSACTION_STATUS[seen["status"]]
        assert transaction.payment_type == "PAYMENT"
        assert (transaction.amount_refunded, transaction.amount_reversed) == (0, 0)
        assert transaction.error == seen["error"]
        info = transaction.payment_method_info
        assert info is not None
        assert (
            info.payment_method_type
            == METHOD_TYPE[seen["payment_method_info"]["payment_method_type"]]
        )
        assert info.card_last4 == seen["payment_method_info"]["card_last4"]
    details = invoice.customer_details
    seen_details = stored["customer_details"]
    assert (details.id, details.name, details.alias, details.email, details.vat_number) == (
        seen_details["id"],
        seen_details["name"],
        seen_details["alias"],
        seen_details["email"],
        seen_details["vat_number"],
    )
    address = seen_details["billing_address"]
    if address is None:
        assert details.billing_address is None
    else:
        assert details.billing_address is not None
        assert details.billing_address.city == address["city"]
        assert details.billing_address.country == address["country"]
    for name in ("finalized_at", "voided_at", "marked_as_uncollectible_at", "paid_at"):
        moment = getattr(invoice, name)
        assert (moment is None) == (stored[name] is None), name


async def test_the_sdk_lists_and_retrieves_every_kind_of_invoice(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    await every_kind_of_invoice(tenant)
    listed = [invoice async for invoice in sdk.invoices.list(per_page=2)]
    assert len(listed) == 7  # four pages; all but the archived AP invoice
    url = f"{v1.API}/invoices?per_page=100"
    newest_first = (await tenant.request("GET", url, headers=V2026_03)).json()["data"]
    # all were made today: by invoice date, newest first, is newest first
    assert [invoice.id for invoice in listed] == [item["id"] for item in newest_first]
    for invoice in listed:
        stored = await as_2026_03(tenant, invoice.id)
        assert_same(invoice, stored)
        retrieved = await sdk.invoices.retrieve(invoice.id)
        assert_same(retrieved, stored)
        if invoice.status != "DRAFT":  # a draft's details are its customer's, as of now
            assert retrieved == invoice
    statuses = {invoice.status for invoice in listed}
    assert statuses == {"DRAFT", "FINALIZED", "VOID", "UNCOLLECTIBLE"}
    assert {invoice.payment_status for invoice in listed} == {"UNPAID", "PAID"}


async def _varied_invoices(tenant: Tenant) -> dict[str, str]:
    """Five invoices that differ in every column a list can be ordered by; ids by role."""
    ada = await v1.customer(tenant, name="Ada", alias="ada")
    bob = await v1.customer(tenant, name="Bob")
    cy = await v1.customer(tenant, name="Cy")
    made = {}
    made["draft"] = (
        await v1.draft(tenant, bob["id"], v1.line(unit_price="3.00"), invoice_date="2026-01-05")
    )["id"]
    made["final"] = (
        await v1.draft(tenant, ada["id"], v1.line(unit_price="1.00"), invoice_date="2026-02-01")
    )["id"]
    await v1.act(tenant, made["final"], "finalize")
    made["void"] = (
        await v1.draft(tenant, cy["id"], v1.line(unit_price="2.00"), invoice_date="2026-01-20")
    )["id"]
    await v1.act(tenant, made["void"], "finalize")
    await v1.act(tenant, made["void"], "void")
    paid = await tenant.invoice(line(5), customer_id=ada["id"])
    page = await open_page(tenant, paid)
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    made["paid"] = paid["id"]
    made["uncollectible"] = (
        await v1.draft(tenant, bob["id"], v1.line(unit_price="4.00"), invoice_date="2026-03-01")
    )["id"]
    await v1.act(tenant, made["uncollectible"], "finalize")
    await v1.act(tenant, made["uncollectible"], "mark-uncollectible")
    return made


_STATUS_ORDER = ["DRAFT", "FINALIZED", "UNCOLLECTIBLE", "VOID"]
_PAYMENT_ORDER = ["UNPAID", "PARTIALLY_PAID", "PAID"]
KEYS: dict[str, Callable[[Invoice], Any]] = {
    "invoice_number": lambda invoice: invoice.invoice_number,
    "customer_name": lambda invoice: invoice.customer_details.name,
    "amount": lambda invoice: invoice.total,
    "invoice_date": lambda invoice: invoice.invoice_date,
    "status": lambda invoice: _STATUS_ORDER.index(invoice.status),
    "payment_status": lambda invoice: _PAYMENT_ORDER.index(invoice.payment_status),
}


def _ids(invoices_: list[Invoice]) -> list[str]:
    return [invoice.id for invoice in invoices_]


@pytest.mark.parametrize("column", list(KEYS))
async def test_the_sdk_lists_in_every_order_across_pages(
    tenant: Tenant, sdk: AsyncMeteroid, column: str
) -> None:
    await _varied_invoices(tenant)
    every = [invoice async for invoice in sdk.invoices.list(per_page=100)]
    assert len(every) == 5
    key = KEYS[column]
    for descending in (False, True):
        expected = sorted(
            every,
            key=lambda invoice: (key(invoice), ids.decode(ids.INVOICE, invoice.id)),
            reverse=descending,
        )
        order_by = f"{column}.{'desc' if descending else 'asc'}"
        listed = [invoice async for invoice in sdk.invoices.list(order_by=order_by, per_page=2)]
        assert _ids(listed) == _ids(expected), order_by
        finals = [invoice for invoice in expected if invoice.status != "DRAFT"]
        assert [invoice for invoice in listed if invoice.status != "DRAFT"] == finals


async def test_the_sdk_lists_by_invoice_date_newest_first_by_default(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    made = await _varied_invoices(tenant)
    listed = _ids([invoice async for invoice in sdk.invoices.list(per_page=2)])
    by_date = ["paid", "uncollectible", "final", "void", "draft"]
    assert listed == [made[role] for role in by_date]
    in_2026_03 = await tenant.request("GET", f"{v1.API}/invoices", headers=V2026_03)
    newest_first = ["uncollectible", "paid", "void", "final", "draft"]
    assert [item["id"] for item in in_2026_03.json()["data"]] == [made[r] for r in newest_first]


async def test_the_sdk_filters_by_every_filter(tenant: Tenant, sdk: AsyncMeteroid) -> None:
    made = await _varied_invoices(tenant)

    async def listed(**filters: Any) -> list[str]:
        return _ids([invoice async for invoice in sdk.invoices.list(per_page=2, **filters)])

    ada = (await sdk.invoices.retrieve(made["final"])).customer_id
    assert await listed(customer_id="ada") == [made["paid"], made["final"]]
    assert await listed(customer_id=ada) == [made["paid"], made["final"]]
    assert await listed(customer_id="nobody") == []
    assert await listed(statuses=["DRAFT"]) == [made["draft"]]
    assert await listed(statuses=["FINALIZED", "VOID"]) == [
        made["paid"],
        made["final"],
        made["void"],
    ]
    assert await listed(statuses=["CLOSED"]) == []
    assert await listed(statuses=["CLOSED", "UNCOLLECTIBLE"]) == [made["uncollectible"]]
    assert await listed(customer_id="ada", statuses=["FINALIZED"], order_by="amount.asc") == [
        made["final"],
        made["paid"],
    ]
    assert await listed(subscription_id="sub_7n42DGM5Tflk9n8mt7Fhc7") == []
    assert await listed(einvoicing_status="GENERATED") == []
    assert await listed(einvoicing_status="FAILED") == []
    page = await sdk.invoices.with_raw_response.list(statuses=[InvoiceStatus.VOID], per_page=1)
    assert page.headers["invoicery-version"] == "2026-10"


@pytest.mark.parametrize(
    "filters",
    [
        {"statuses": ["Draft"]},  # 2026-03's spelling
        {"statuses": ["PAID"]},
        {"order_by": "total.asc"},
        {"order_by": "amount.up"},
        {"order_by": "amount"},
        {"einvoicing_status": "PENDING"},
    ],
)
async def test_bad_filters_are_bad_requests(
    tenant: Tenant, sdk: AsyncMeteroid, filters: dict[str, Any]
) -> None:
    with pytest.raises(BadRequestError):
        [invoice async for invoice in sdk.invoices.list(**filters)]


async def test_payments_in_flight_are_processing_and_failed_ones_errored(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    declined = await open_page(tenant)
    assert (await declined.pay_card(DECLINED_CARD)).status_code == 402
    pending = await open_page(tenant)
    assert (await pending.pay_bank()).status_code == 303
    expected = {declined.invoice_id: "ERRORED", pending.invoice_id: "PROCESSING"}
    listed = [invoice async for invoice in sdk.invoices.list()]
    assert {invoice.id: invoice.payment_status for invoice in listed} == expected
    for invoice_id, status in expected.items():
        assert (await sdk.invoices.retrieve(invoice_id)).payment_status == status
        assert (await as_2026_03(tenant, invoice_id))["payment_status"] == "Unpaid"
    [transaction] = (await sdk.invoices.retrieve(pending.invoice_id)).transactions
    assert transaction.status == "PENDING"
    assert transaction.payment_method_info is not None
    assert transaction.payment_method_info.payment_method_type == "BANK_TRANSFER"


async def _version(db: Database, invoice_id: str) -> tuple[int, int | None]:
    """The invoice's version, and that of its stored AP document (None if none)."""
    invoice_uuid = ids.decode(ids.INVOICE, invoice_id)
    async with db.read() as conn:
        version = (
            await conn.execute(select(invoices.c.version).where(invoices.c.id == invoice_uuid))
        ).scalar_one()
        stored = (
            await conn.execute(
                select(invoice_documents.c.version).where(
                    invoice_documents.c.invoice_id == invoice_uuid
                )
            )
        ).scalar_one_or_none()
    return version, stored


async def test_the_sdk_updates_custom_properties_at_any_status(
    tenant: Tenant, sdk: AsyncMeteroid, db: Database
) -> None:
    draft = await v1.draft(tenant)
    first = {"crm_id": "D-42", "tags": ["a", "b"], "nested": {"n": 1.5, "ok": True}}
    updated = await sdk.invoices.update_custom_properties(draft["id"], custom_properties=first)
    assert updated.custom_properties == first
    assert updated.status == "DRAFT"
    merged = await sdk.invoices.update_custom_properties(
        draft["id"], custom_properties={"tags": None, "owner": "ops"}
    )
    expected = {"crm_id": "D-42", "nested": {"n": 1.5, "ok": True}, "owner": "ops"}
    assert merged.custom_properties == expected
    assert (await sdk.invoices.retrieve(draft["id"])).custom_properties == expected
    [listed] = [invoice async for invoice in sdk.invoices.list()]
    assert listed.custom_properties == expected
    final = await v1.act(tenant, draft["id"], "finalize")
    assert (await sdk.invoices.retrieve(final["id"])).custom_properties == expected
    await v1.act(tenant, draft["id"], "void")
    voided = await sdk.invoices.update_custom_properties(
        draft["id"], custom_properties={"owner": "finance"}
    )
    assert voided.status == "VOID"
    assert voided.custom_properties == {**expected, "owner": "finance"}
    in_2026_03 = await as_2026_03(tenant, draft["id"])
    assert "custom_properties" not in in_2026_03
    assert in_2026_03["status"] == "Void"


async def test_a_custom_properties_update_makes_stored_documents_stale(
    tenant: Tenant, sdk: AsyncMeteroid, db: Database
) -> None:
    invoice = await tenant.invoice()
    assert (await tenant.request("GET", "/invoices")).status_code == 200  # stores its document
    version, stored = await _version(db, invoice["id"])
    assert stored == version
    await sdk.invoices.update_custom_properties(invoice["id"], custom_properties={"k": "v"})
    assert await _version(db, invoice["id"]) == (version + 1, version)  # never served again
    assert (await tenant.request("GET", "/invoices")).status_code == 200
    assert await _version(db, invoice["id"]) == (version + 1, version + 1)


@pytest.mark.parametrize(
    "properties",
    [
        {f"key{n}": n for n in range(51)},
        {"big": "x" * 17_000},
        {"": 1},
        {"k" * 101: 1},
    ],
)
async def test_too_many_or_too_large_custom_properties_are_bad_requests(
    tenant: Tenant, sdk: AsyncMeteroid, properties: dict[str, Any]
) -> None:
    draft = await v1.draft(tenant)
    with pytest.raises(BadRequestError):
        await sdk.invoices.update_custom_properties(draft["id"], custom_properties=properties)
    assert (await sdk.invoices.retrieve(draft["id"])).custom_properties == {}


async def test_unknown_invoices_are_not_found(
    tenant: Tenant, other_tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    theirs = await v1.draft(other_tenant)
    for invoice_id in (theirs["id"], "inv_01jm0000000000000000000000", "nope"):
        with pytest.raises(NotFoundError):
            await sdk.invoices.retrieve(invoice_id)
        with pytest.raises(NotFoundError):
            await sdk.invoices.update_custom_properties(invoice_id, custom_properties={"k": 1})
        with pytest.raises(NotFoundError):
            await sdk.invoices.download(invoice_id)


async def test_the_sdk_downloads_the_pdf_of_a_finalized_invoice(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    draft = await v1.draft(tenant)
    with pytest.raises(NotFoundError):  # a draft has no PDF yet
        await sdk.invoices.download(draft["id"])
    await v1.act(tenant, draft["id"], "finalize")
    pdf = await sdk.invoices.download(draft["id"])
    assert pdf.startswith(b"%PDF-")
    raw = await sdk.invoices.with_raw_response.download(draft["id"])
    assert raw.headers["content-type"] == "application/pdf"


async def test_the_sdk_refreshes_a_draft_with_its_customers_current_taxes(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    ada = await v1.customer(tenant, alias="ada")
    draft = await v1.draft(tenant, ada["id"], v1.line(unit_price="100.00"))
    assert (draft["tax_amount"], draft["total"]) == (0, 10_000)
    unchanged = await sdk.invoices.refresh(draft["id"])
    assert_same(unchanged, await as_2026_03(tenant, draft["id"]))
    assert (unchanged.tax_amount, unchanged.total) == (0, 10_000)
    vat = [{"tax_code": "VAT", "name": "VAT", "rate": "0.2"}]
    response = await tenant.request(
        "PATCH", f"{v1.API}/customers/{ada['id']}", json={"custom_taxes": vat}
    )
    assert response.status_code == 200, response.text
    assert (await sdk.invoices.retrieve(draft["id"])).tax_amount == 0  # priced when written

    refreshed = await sdk.invoices.refresh(draft["id"])
    assert (refreshed.status, refreshed.tax_amount, refreshed.total) == ("DRAFT", 2_000, 12_000)
    assert [(t.name, t.tax_rate, t.tax_amount) for t in refreshed.tax_breakdown] == [
        ("VAT", Decimal("0.2"), 2_000)
    ]
    stored = await as_2026_03(tenant, draft["id"])
    assert_same(refreshed, stored)
    assert_same(await sdk.invoices.retrieve(draft["id"]), stored)  # as it was stored
    in_2026_03 = await tenant.request(
        "POST", f"{v1.API}/invoices/{draft['id']}/refresh", headers=V2026_03
    )
    assert in_2026_03.status_code == 200, in_2026_03.text
    assert (in_2026_03.json()["status"], in_2026_03.json()["total"]) == ("Draft", 12_000)


async def test_a_refresh_of_a_finalized_invoice_is_a_conflict(
    tenant: Tenant, other_tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    draft = await v1.draft(tenant)
    final = await v1.act(tenant, draft["id"], "finalize")
    with pytest.raises(ConflictError):
        await sdk.invoices.refresh(final["id"])
    response = await tenant.request("POST", f"{v1.API}/invoices/{final['id']}/refresh")
    v1.assert_rest_error(response, 409, "CONFLICT")
    assert await as_2026_03(tenant, final["id"]) == final  # left as it was
    theirs = await v1.draft(other_tenant)
    for invoice_id in (theirs["id"], "inv_01jm0000000000000000000000", "nope"):
        with pytest.raises(NotFoundError):
            await sdk.invoices.refresh(invoice_id)
