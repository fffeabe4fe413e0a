"""A listed invoice rendered from its row equals the document of its `InvoiceView`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from invoicery.api.billing.listed import listed_invoice_document
from invoicery.api.billing.render import invoice_document
from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.service._time import utc_now
from invoicery.service.invoices.listed import listed_in
from invoicery.service.invoices.reads import views_in
from invoicery.store import invoice_listing
from invoicery.store.database import Database
from invoicery.store.invoices import JSON_NAMES, to_stored, with_customer
from invoicery.store.tables import invoices
from invoicery.store.types import decode_json_text
from tests.integration.api.billing import v1
from tests.integration.api.billing.test_credits import grant
from tests.integration.pages.hosted import DECLINED_CARD, GOOD_CARD, open_page
from tests.support.builders import line
from tests.support.tenant import Tenant

_ADDRESS = {"line1": "1 Main St", "city": "Paris", "zip_code": "75001", "country": "FR"}


async def _every_kind_of_invoice(tenant: Tenant) -> None:
    """AP invoices (one archived, one paid after a declined card), and billing-v1 drafts,
    finalized, void and uncollectible ones with taxes, tiers, periods, coupons, credit."""
    await tenant.invoice(line(0.1, quantity=3), line(19.99), memo="hello")
    archived = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{archived['id']}")).status_code == 200
    page = await open_page(tenant)
    assert (await page.pay_card(DECLINED_CARD)).status_code == 402
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    ada = await v1.customer(
        tenant, alias="ada", vat_number="FR123", billing_address=_ADDRESS, billing_email="a@b.c"
    )
    exempt = await v1.customer(tenant, name="Exempt Ltd", is_tax_exempt=True)
    percent = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    await grant(tenant, "ada", 2_000)
    await v1.draft(tenant, "ada", *v1.taxed_and_tiered_lines(), memo="a draft")
    periods = v1.line(
        "Hosting",
        quantity="0.00000001",
        unit_price="100000000",
        description="tiny",
        start_date="2026-01-01",
        end_date="2026-01-31",
    )
    for customer, fields in (
        (ada["id"], {"coupon_ids": [percent["id"]], "purchase_order": "PO-1"}),
        (exempt["id"], {"reference": "REF-9"}),
    ):
        final = await v1.draft(
            tenant, customer, *v1.taxed_and_tiered_lines(), periods, net_terms=15, **fields
        )
        await v1.act(tenant, final["id"], "finalize")
    for action in ("void", "mark-uncollectible"):
        ended = await v1.draft(tenant, ada["id"])
        await v1.act(tenant, ended["id"], "finalize")
        await v1.act(tenant, ended["id"], action)


async def test_both_renderings_agree_for_every_kind_of_invoice(
    tenant: Tenant, db: Database
) -> None:
    await _every_kind_of_invoice(tenant)
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    principal = Principal(account_id, UUID(int=0), frozenset(), "UTC")
    mine = with_customer(json_as_text=True).where(invoices.c.account_id == account_id)
    now = utc_now()
    async with db.snapshot() as conn:
        total, rows = await invoice_listing.numbered_rows(
            conn, account_id=account_id, customer_id=None, lifecycles=None, offset=0, limit=100
        )
        listed = await listed_in(conn, account_id, rows, now)
        found = (await conn.execute(mine.order_by(invoices.c.id.desc()))).mappings().all()
        stored = [to_stored(decode_json_text(row, JSON_NAMES), now) for row in found]
        views = await views_in(conn, principal, stored, now)
    from_views = [invoice_document(view) for view in views if not view.invoice.state.archived]
    from_rows = [listed_invoice_document(item) for item in listed]
    assert total == len(from_rows) == 7  # all but the archived AP invoice
    assert from_rows == from_views
    for document in from_rows:
        v1.validate_component("Invoice", document)
    _assert_every_kind(from_rows)


def _assert_every_kind(documents: list[dict[str, Any]]) -> None:
    statuses = {document["status"] for document in documents}
    assert statuses == {"Draft", "Finalized", "Void", "Uncollectible"}
    assert "Paid" in {document["payment_status"] for document in documents}
    assert [len(d["transactions"]) for d in documents if d["transactions"]] == [2]
    assert any(document["coupons"] for document in documents)
    assert any(document["applied_credits"] for document in documents)
    exemptions = {tax["exemption_type"] for d in documents for tax in d["tax_breakdown"]}
    assert {None, "TaxExempt"} <= exemptions
    lines = [item for document in documents for item in document["line_items"]]
    assert any(item["sub_line_items"] for item in lines)
    assert any(item.get("quantity") == "0.00000001" for item in lines)
    assert any(item["start_date"] == "2026-01-01" for item in lines)
    details = [document["customer_details"] for document in documents]
    assert any(detail["billing_address"] and detail["vat_number"] for detail in details)


async def test_the_list_shows_each_invoice_as_it_is_read_by_id(tenant: Tenant) -> None:
    await _every_kind_of_invoice(tenant)
    listed = (await tenant.request("GET", f"{v1.API}/invoices?per_page=100")).json()["data"]
    assert len(listed) == 7  # all but the archived AP invoice
    for document in listed:
        response = await tenant.request("GET", f"{v1.API}/invoices/{document['id']}")
        seen = response.json()
        if seen["status"] == "Draft":  # a draft's details are its customer's, as of now
            seen["customer_details"]["snapshot_at"] = document["customer_details"]["snapshot_at"]
        assert document == seen
