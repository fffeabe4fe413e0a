"""The official `meteroid` SDK's credit note calls work against /api/v1 in version 2026-10.

Every call it offers on credit notes: list (auto-paging, every filter, `search`, every
order), retrieve, update of custom properties, download and download of the XML. Each
decodes without error and returns what was stored, as 2026-03 shows the same note.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from meteroid import AsyncMeteroid, BadRequestError, NotFoundError
from meteroid.models import CreditNote, CreditNoteStatus, CreditType

from invoicery.domain import ids
from invoicery.domain.credit_notes import CREDIT_NOTE_PREFIX
from tests.integration.api.billing import v1
from tests.integration.api.billing.test_credit_notes import (
    MISSING,
    NOTES,
    act,
    create,
    final_invoice,
)
from tests.integration.api.billing.v1 import assert_rest_error
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant

V2026_03 = {"Invoicery-Version": "2026-03"}
SCREAMING = {"Draft": "DRAFT", "Finalized": "FINALIZED", "Voided": "VOIDED"}
CREDIT_TYPE = {
    "CreditToBalance": "CREDIT_TO_BALANCE",
    "Refund": "REFUND",
    "DebtCancellation": "DEBT_CANCELLATION",
}


@pytest.fixture
async def sdk(tenant: Tenant, http: httpx.AsyncClient) -> AsyncMeteroid:
    return await meteroid_client(tenant, http)


def _exact(note: CreditNote) -> None:
    """The SDK decoded every property it was sent, and knew each one."""
    assert note.extra_fields == {}
    for line in note.line_items:
        assert line.extra_fields == {}
    for tax in note.tax_breakdown:
        assert tax.extra_fields == {}


async def as_2026_03(tenant: Tenant, note_id: str) -> dict[str, Any]:
    """The credit note as 2026-03 shows it."""
    response = await tenant.request("GET", f"{NOTES}/{note_id}", headers=V2026_03)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def assert_same(note: CreditNote, stored: dict[str, Any]) -> None:
    """The SDK's credit note shows what 2026-03 shows of it, in 2026-10's spelling."""
    _exact(note)
    names = (
        "id",
        "credit_note_number",
        "invoice_id",
        "invoice_number",
        "customer_id",
        "currency",
        "subtotal",
        "tax_amount",
        "total",
        "credited_amount_cents",
        "refunded_amount_cents",
        "custom_properties",
        "reason",
        "memo",
        "plan_version_id",
        "subscription_id",
    )
    for name in names:
        assert getattr(note, name) == stored[name], name
    assert (note.status, note.credit_type) == (
        SCREAMING[stored["status"]],
        CREDIT_TYPE[stored["credit_type"]],
    )
    assert [(i.name, i.description, i.amount_total, i.tax_rate) for i in note.line_items] == [
        (i["name"], i["description"], i["amount_total"], Decimal(i["tax_rate"]))
        for i in stored["line_items"]
    ]
    assert [(t.name, t.tax_rate, t.taxable_amount, t.tax_amount) for t in note.tax_breakdown] == [
        (t["name"], Decimal(t["tax_rate"]), t["taxable_amount"], t["tax_amount"])
        for t in stored["tax_breakdown"]
    ]
    for name in ("created_at", "updated_at", "finalized_at", "voided_at"):
        moment = getattr(note, name)
        assert (moment is None) == (stored[name] is None), name


async def _three_notes(tenant: Tenant) -> dict[str, str]:
    """A draft, a finalized and a voided credit note of one invoice; ids by role."""
    invoice = await final_invoice(
        tenant, v1.line("Support", quantity="2", unit_price="100.00", tax_rate="0.20")
    )
    made = {"draft": (await create(tenant, invoice["id"], {"line_index": 0, "quantity": "1"}))}
    made["final"] = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 5_000}, credit_type="CREDIT_TO_BALANCE"
    )
    await act(tenant, made["final"]["id"], "finalize")
    made["void"] = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 1_000}, credit_type="CREDIT_TO_BALANCE"
    )
    await act(tenant, made["void"]["id"], "finalize")
    await act(tenant, made["void"]["id"], "void")
    return {role: note["id"] for role, note in made.items()}


async def test_the_sdk_lists_retrieves_and_downloads_credit_notes(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    invoice = await final_invoice(
        tenant, v1.line("Support", quantity="2", unit_price="100.00", tax_rate="0.20")
    )
    draft = await create(tenant, invoice["id"], {"line_index": 0, "quantity": "1"})
    final = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 5_000}, credit_type="CREDIT_TO_BALANCE"
    )
    await act(tenant, final["id"], "finalize")

    got = await sdk.credit_notes.retrieve(final["id"])
    assert_same(got, await as_2026_03(tenant, final["id"]))
    assert (got.status, got.credit_type) == (
        CreditNoteStatus.FINALIZED,
        CreditType.CREDIT_TO_BALANCE,
    )
    assert (got.credit_note_number, got.invoice_number) == ("CN-000001", invoice["invoice_number"])
    assert (got.subtotal, got.tax_amount, got.total) == (5_000, 1_000, 6_000)
    assert got.credited_amount_cents == 6_000
    assert [line.amount_total for line in got.line_items] == [-5_000]
    assert [tax.tax_rate for tax in got.tax_breakdown] == [Decimal("0.2")]

    listed = [note async for note in sdk.credit_notes.list(per_page=1)]
    assert [note.id for note in listed] == [final["id"], draft["id"]]  # two pages, newest first
    for note in listed:
        assert_same(note, await as_2026_03(tenant, note.id))
    drafts = await sdk.credit_notes.list(status=CreditNoteStatus.DRAFT)
    assert [note.id for note in drafts.data] == [draft["id"]]
    by_invoice = await sdk.credit_notes.list(invoice_id=invoice["id"], customer_id="ada")
    assert by_invoice.pagination_meta.total_items == 2

    content = await sdk.credit_notes.download(final["id"])
    assert content.startswith(b"%PDF-")
    with pytest.raises(NotFoundError):
        await sdk.credit_notes.retrieve(MISSING)


_STATUS_ORDER = ["DRAFT", "FINALIZED", "VOIDED"]
KEYS: dict[str, Callable[[CreditNote], Any]] = {
    "created_at": lambda note: note.created_at,
    "credit_note_number": lambda note: note.credit_note_number,  # a draft's is ""
    "total": lambda note: note.total,
    "status": lambda note: _STATUS_ORDER.index(note.status),
}


@pytest.mark.parametrize("column", list(KEYS))
async def test_the_sdk_lists_in_every_order_across_pages(
    tenant: Tenant, sdk: AsyncMeteroid, column: str
) -> None:
    await _three_notes(tenant)
    every = [note async for note in sdk.credit_notes.list(per_page=100)]
    assert len(every) == 3
    key = KEYS[column]
    for descending in (False, True):
        expected = sorted(
            every,
            key=lambda note: (key(note), ids.decode(CREDIT_NOTE_PREFIX, note.id)),
            reverse=descending,
        )
        order_by = f"{column}.{'desc' if descending else 'asc'}"
        listed = [note async for note in sdk.credit_notes.list(order_by=order_by, per_page=2)]
        assert [note.id for note in listed] == [note.id for note in expected], order_by
        assert listed == expected  # each decoded as the full list decoded it


async def test_the_sdk_searches_credit_note_numbers(tenant: Tenant, sdk: AsyncMeteroid) -> None:
    made = await _three_notes(tenant)

    async def found(search: str, **filters: Any) -> list[str]:
        listed = sdk.credit_notes.list(search=search, per_page=1, **filters)
        return [note.id async for note in listed]

    assert await found("CN-000002") == [made["void"]]
    assert await found("cn-00000") == [made["void"], made["final"]]  # any case, newest first
    assert await found("000001", status=CreditNoteStatus.FINALIZED) == [made["final"]]
    assert await found("000001", status=CreditNoteStatus.VOIDED) == []
    assert await found("%") == []  # a LIKE wildcard is a plain character
    assert await found("nothing") == []
    page = await sdk.credit_notes.list(search="CN", order_by="total.asc")
    assert [note.id for note in page.data] == [made["void"], made["final"]]
    assert page.pagination_meta.total_items == 2


@pytest.mark.parametrize(
    "order_by", ["amount.asc", "total.up", "total", "id.desc", "created_at.DESC"]
)
async def test_an_unknown_order_is_a_bad_request(
    tenant: Tenant, sdk: AsyncMeteroid, order_by: str
) -> None:
    with pytest.raises(BadRequestError):
        await sdk.credit_notes.list(order_by=order_by)
    response = await tenant.request("GET", NOTES, params={"order_by": order_by})
    assert_rest_error(response, 400, "BAD_REQUEST")
    assert "order_by" in response.json()["message"]


async def test_a_search_too_long_is_a_bad_request(tenant: Tenant) -> None:
    response = await tenant.request("GET", NOTES, params={"search": "x" * 101})
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_the_sdk_updates_custom_properties_at_any_status(
    tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    made = await _three_notes(tenant)
    first = {"crm_id": "D-42", "tags": ["a", "b"], "nested": {"n": 1.5, "ok": True}}
    updated = await sdk.credit_notes.update_custom_properties(
        made["draft"], custom_properties=first
    )
    _exact(updated)
    assert (updated.custom_properties, updated.status) == (first, "DRAFT")
    merged = await sdk.credit_notes.update_custom_properties(
        made["draft"], custom_properties={"tags": None, "owner": "ops"}
    )
    expected = {"crm_id": "D-42", "nested": {"n": 1.5, "ok": True}, "owner": "ops"}
    assert merged.custom_properties == expected
    assert merged.updated_at is not None
    assert updated.updated_at is not None
    assert merged.updated_at >= updated.updated_at
    assert_same(
        await sdk.credit_notes.retrieve(made["draft"]), await as_2026_03(tenant, made["draft"])
    )
    assert (await as_2026_03(tenant, made["draft"]))["custom_properties"] == expected
    listed = {note.id: note for note in [n async for n in sdk.credit_notes.list()]}
    assert listed[made["draft"]].custom_properties == expected
    assert listed[made["final"]].custom_properties == {}
    finalized = await act(tenant, made["draft"], "finalize")  # they stay with the note
    assert finalized["custom_properties"] == expected
    for role in ("final", "void"):  # finalized and voided notes take them too
        changed = await sdk.credit_notes.update_custom_properties(
            made[role], custom_properties={"owner": role}
        )
        assert changed.custom_properties == {"owner": role}
        assert changed.status == ("FINALIZED" if role == "final" else "VOIDED")


@pytest.mark.parametrize(
    "properties",
    [{f"key{n}": n for n in range(51)}, {"big": "x" * 17_000}, {"": 1}, {"k" * 101: 1}],
)
async def test_too_many_or_too_large_custom_properties_are_bad_requests(
    tenant: Tenant, sdk: AsyncMeteroid, properties: dict[str, Any]
) -> None:
    made = await _three_notes(tenant)
    with pytest.raises(BadRequestError):
        await sdk.credit_notes.update_custom_properties(made["final"], custom_properties=properties)
    assert (await sdk.credit_notes.retrieve(made["final"])).custom_properties == {}


@pytest.mark.parametrize("body", [{}, {"custom_properties": [1]}, {"custom_properties": "x"}])
async def test_a_custom_properties_body_that_is_no_object_is_a_bad_request(
    tenant: Tenant, body: dict[str, Any]
) -> None:
    made = await _three_notes(tenant)
    path = f"{NOTES}/{made['final']}/custom-properties"
    assert_rest_error(await tenant.request("PATCH", path, json=body), 400, "BAD_REQUEST")


async def test_unknown_credit_notes_are_not_found(
    tenant: Tenant, other_tenant: Tenant, sdk: AsyncMeteroid
) -> None:
    theirs = await _three_notes(other_tenant)
    for note_id in (theirs["final"], MISSING, "nope"):
        with pytest.raises(NotFoundError):
            await sdk.credit_notes.retrieve(note_id)
        with pytest.raises(NotFoundError):
            await sdk.credit_notes.update_custom_properties(note_id, custom_properties={"k": 1})
        with pytest.raises(NotFoundError):
            await sdk.credit_notes.download(note_id)
        with pytest.raises(NotFoundError):
            await sdk.credit_notes.download_xml(note_id)
    assert (await other_tenant.request("GET", f"{NOTES}/{theirs['final']}")).json()[
        "custom_properties"
    ] == {}


async def test_without_einvoicing_the_sdk_finds_no_xml(tenant: Tenant, sdk: AsyncMeteroid) -> None:
    made = await _three_notes(tenant)
    for note_id in made.values():  # a draft has none; this account never issues one
        with pytest.raises(NotFoundError):
            await sdk.credit_notes.download_xml(note_id)
    response = await tenant.request("GET", f"{NOTES}/{made['final']}/xml")
    assert_rest_error(response, 404, "NOT_FOUND")
    assert "e-invoicing off" in response.json()["message"]
