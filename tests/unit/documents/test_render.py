"""Where a document renders: a worker thread, or a child process when it needs the CJK face."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from invoicery import pdf
from invoicery.documents.render import needs_cjk_face, render
from invoicery.pdf.view import CustomerBlock, InvoiceDocument, LineItemRow, MerchantBlock

LATIN = InvoiceDocument(
    merchant=MerchantBlock("Acme Widgets GmbH", ("Hauptstraße 1", "10115 Berlin")),
    customer=CustomerBlock("Zoë Ångström-Øster"),
    number="INV-000007",
    issue_date=date(2026, 3, 1),
    due_date=date(2026, 3, 31),
    currency="EUR",
    line_items=(LineItemRow("Ремонт — Réparation", "1", 10_000, 10_000),),
    subtotal=10_000,
    total=10_000,
    amount_due=10_000,
)
CJK = replace(LATIN, customer=CustomerBlock("Zürich Tōkyō 東京"))


def _refuse(_doc: InvoiceDocument) -> bytes:
    raise AssertionError("rendered in the server process")


def test_only_glyphs_missing_from_the_text_faces_need_the_cjk_face() -> None:
    assert not needs_cjk_face(LATIN)
    assert needs_cjk_face(CJK)
    assert needs_cjk_face(replace(LATIN, memo="ありがとう"))


async def test_a_cjk_document_renders_in_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "render_invoice", _refuse)  # the child imports its own, unpatched
    content = await render(CJK)
    assert content.startswith(b"%PDF-")
    assert b"NotoSansCJK" in content


async def test_other_documents_render_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    content = await render(LATIN)
    assert content.startswith(b"%PDF-")
    assert b"NotoSansCJK" not in content
    monkeypatch.setattr(pdf, "render_invoice", _refuse)
    with pytest.raises(AssertionError, match="server process"):
        await render(LATIN)
