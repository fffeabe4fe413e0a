"""The official `meteroid` SDK's credit note calls (list, retrieve, download) in 2026-10."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from meteroid import NotFoundError
from meteroid.models import CreditNote, CreditNoteStatus, CreditType

from tests.integration.api.billing import v1
from tests.integration.api.billing.test_credit_notes import act, create, final_invoice
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant


def _exact(note: CreditNote) -> None:
    """The SDK decoded every property it was sent, and knew each one."""
    assert note.extra_fields == {}
    for line in note.line_items:
        assert line.extra_fields == {}
    for tax in note.tax_breakdown:
        assert tax.extra_fields == {}


async def test_the_sdk_lists_retrieves_and_downloads_credit_notes(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    invoice = await final_invoice(
        tenant, v1.line("Support", quantity="2", unit_price="100.00", tax_rate="0.20")
    )
    draft = await create(tenant, invoice["id"], {"line_index": 0, "quantity": "1"})
    final = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 5_000}, credit_type="CREDIT_TO_BALANCE"
    )
    await act(tenant, final["id"], "finalize")
    client = await meteroid_client(tenant, http)

    got = await client.credit_notes.retrieve(final["id"])
    _exact(got)
    assert (got.status, got.credit_type) == (
        CreditNoteStatus.FINALIZED,
        CreditType.CREDIT_TO_BALANCE,
    )
    assert (got.credit_note_number, got.invoice_number) == ("CN-000001", invoice["invoice_number"])
    assert (got.subtotal, got.tax_amount, got.total) == (5_000, 1_000, 6_000)
    assert got.credited_amount_cents == 6_000
    assert [line.amount_total for line in got.line_items] == [-5_000]
    assert [tax.tax_rate for tax in got.tax_breakdown] == [Decimal("0.2")]

    listed = [note async for note in client.credit_notes.list(per_page=1)]
    assert [note.id for note in listed] == [final["id"], draft["id"]]  # two pages, newest first
    for note in listed:
        _exact(note)
    drafts = await client.credit_notes.list(status=CreditNoteStatus.DRAFT)
    assert [note.id for note in drafts.data] == [draft["id"]]
    by_invoice = await client.credit_notes.list(invoice_id=invoice["id"], customer_id="ada")
    assert by_invoice.pagination_meta.total_items == 2

    content = await client.credit_notes.download(final["id"])
    assert content.startswith(b"%PDF-")
    with pytest.raises(NotFoundError):
        await client.credit_notes.retrieve("crn_00000000000000000000000000")
