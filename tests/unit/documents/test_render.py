"""Where a document renders: in a long-lived child process, never in the server process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from invoicery import pdf
from invoicery.documents.render import Renderer, RenderFailed, render
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


@pytest.mark.parametrize(("doc", "cjk"), [(LATIN, False), (CJK, True)])
async def test_documents_render_in_a_child_process(
    monkeypatch: pytest.MonkeyPatch, doc: InvoiceDocument, cjk: bool
) -> None:
    monkeypatch.setattr(pdf, "render_invoice", _refuse)  # the child imports its own, unpatched
    content = await render(doc)
    assert content.startswith(b"%PDF-")
    assert (b"NotoSansCJK" in content) is cjk


async def test_one_child_serves_many_renders_and_is_replaced_after_its_quota() -> None:
    renderer = Renderer(renders_per_child=2)
    try:
        first = await renderer.render(LATIN)
        assert await renderer.render(LATIN) == first
        assert (await renderer.render(CJK)).startswith(b"%PDF-")  # the third, in a new child
    finally:
        renderer.close()


async def test_an_idle_child_exits_and_the_next_render_starts_another() -> None:
    renderer = Renderer(idle_seconds=0.05)
    try:
        await renderer.render(LATIN)
        assert renderer.running
        await asyncio.sleep(0.2)
        assert not renderer.running
        assert (await renderer.render(LATIN)).startswith(b"%PDF-")
    finally:
        renderer.close()


def _exit(_doc: InvoiceDocument) -> bytes:
    os._exit(3)


async def test_a_dead_child_fails_the_render_and_the_next_one_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renderer = Renderer()
    try:
        module = sys.modules[Renderer.__module__]
        monkeypatch.setattr(module, "_render_invoice", _exit)
        with pytest.raises(RenderFailed, match="died"):
            await renderer.render(LATIN)
        monkeypatch.undo()
        assert (await renderer.render(LATIN)).startswith(b"%PDF-")
    finally:
        renderer.close()


def test_the_server_process_does_not_import_the_renderer() -> None:
    code = (
        "import sys, invoicery.app, invoicery.documents.render; "
        "sys.exit(int('fpdf' in sys.modules or 'fontTools' in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    assert done.returncode == 0
