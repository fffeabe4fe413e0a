"""PDFs of invoices made on the billing-v1 face: drafts have none; taxes, coupons, void."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.api.billing import v1
from tests.integration.documents.conftest import pdf_text
from tests.support.tenant import Tenant


def _download(invoice_id: str) -> str:
    return f"{v1.API}/invoices/{invoice_id}/download"


async def test_a_draft_has_no_pdf_until_it_is_finalized(
    tenant: Tenant, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    customer = await v1.customer(tenant, name="Grace Hopper")
    coupon = await tenant.request(
        "POST",
        f"{v1.API}/coupons",
        json={"code": "WELCOME", "discount": {"type": "Percentage", "percentage": "10"}},
    )
    assert coupon.status_code == 201, coupon.text
    draft = await v1.draft(
        tenant,
        customer["id"],
        v1.line("Support", quantity="1.5", unit_price="100.00", tax_rate="0.20"),
        coupon_ids=[coupon.json()["id"]],
    )
    assert (await tenant.request("GET", _download(draft["id"]))).status_code == 404
    assert (await tenant.request("GET", f"/invoices/{draft['id']}/pdf-link")).status_code == 404

    final = await v1.act(tenant, draft["id"], "finalize")
    response = await tenant.request("GET", _download(draft["id"]))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    for expected in (
        final["invoice_number"],
        "Grace Hopper",
        "Support",
        "1.5",
        "$100.00",
        "$150.00",  # the line
        "WELCOME",
        "-$15.00",  # 10% off
        "20%",
        "$27.00",  # tax on 135.00
        "$162.00",  # the total
    ):
        assert expected in text, expected
    link = await tenant.request("GET", f"/invoices/{draft['id']}/pdf-link")
    assert (await http.get(link.json()["url"])).content == response.content


async def test_a_void_invoice_is_stamped_void(tenant: Tenant, tmp_path: Path) -> None:
    draft = await v1.draft(tenant)
    await v1.act(tenant, draft["id"], "finalize")
    before = await tenant.request("GET", _download(draft["id"]))
    await v1.act(tenant, draft["id"], "void")
    after = await tenant.request("GET", _download(draft["id"]))
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    text = pdf_text(after.content, tmp_path)
    assert "VOID" in text
    assert "No payment due" in text
