"""Invoice PDFs rendered for real and read back with poppler (pdftotext, pdftoppm).

The poppler-utils binaries are skipped for when missing, except under CI (env `CI` set),
where their absence fails the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from invoicery.domain.money import format_amount
from invoicery.pdf import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    TaxLine,
    fonts,
    render_invoice,
)
from invoicery.pdf.view import PaperSize

_MM_PER_INCH = 25.4
_PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}


# --- builders ---------------------------------------------------------------------------


def merchant(**changes: object) -> MerchantBlock:
    base = MerchantBlock(
        display_name="Acme Widgets GmbH",
        address_lines=("Bahnhofstrasse 1", "8001 Zürich"),
        country="Switzerland",
        tax_id="CHE-123.456.789",
        email="billing@acme.example",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def customer(**changes: object) -> CustomerBlock:
    base = CustomerBlock(
        name="Jane Doe",
        email="jane@example.com",
        company="Doe Trading Ltd",
        address_lines=("1 Main Street", "Springfield"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def line(n: int, *, quantity: int = 1, unit_price: int = 1_000) -> LineItemRow:
    return LineItemRow(
        description=f"Item {n:04d} consulting services",
        quantity=str(quantity),
        unit_price=unit_price,
        line_total=quantity * unit_price,
    )


def lines(count: int) -> tuple[LineItemRow, ...]:
    return tuple(line(n, quantity=n % 7 + 1, unit_price=1_000 + 37 * n) for n in range(count))


def document(
    items: tuple[LineItemRow, ...] | None = None,
    *,
    discounts: tuple[DiscountLine, ...] = (),
    taxes: tuple[TaxLine, ...] = (),
    amount_paid: int = 0,
    **changes: object,
) -> InvoiceDocument:
    """A consistent invoice: subtotal, total and amount due follow from the parts."""
    items = lines(3) if items is None else items
    subtotal = sum(item.line_total for item in items)
    total = subtotal - sum(d.amount for d in discounts) + sum(t.amount for t in taxes)
    base = InvoiceDocument(
        merchant=merchant(),
        customer=customer(),
        number="INV-0042",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        currency="USD",
        line_items=items,
        subtotal=subtotal,
        discounts=discounts,
        taxes=taxes,
        total=total,
        amount_due=total - amount_paid,
        memo="Thank you for your business.",
        payment_url="https://pay.example.com/i/INV-0042",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- poppler ----------------------------------------------------------------------------


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        reason = f"{tool} not found: install Debian package poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *, raw: bool = False) -> list[str]:
    """The text of each page, in page order; `raw` keeps content-stream order (rotated text)."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    args = [_poppler("pdftotext"), "-enc", "UTF-8"]
    if raw:
        args.append("-raw")
    result = subprocess.run([*args, str(source), "-"], check=True, capture_output=True, timeout=60)
    pages = result.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def first_page_png(pdf: bytes, tmp_path: Path, dpi: int) -> Image.Image:
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    stem = tmp_path / "page"
    subprocess.run(
        [
            *(_poppler("pdftoppm"), "-png", "-r", str(dpi), "-f", "1", "-l", "1"),
            *("-singlefile", str(source), str(stem)),
        ],
        check=True,
        timeout=60,
    )
    with Image.open(stem.with_suffix(".png")) as image:
        return image.convert("RGB")


def squash(text: str) -> str:
    """Whitespace-insensitive form, so wrapped cells still match."""
    return re.sub(r"\s+", "", text)


# --- tests ------------------------------------------------------------------------------


def test_output_is_a_pdf() -> None:
    pdf = render_invoice(document())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_same_document_gives_same_bytes() -> None:
    doc = document()
    assert render_invoice(doc) == render_invoice(doc)


def test_header_parties_and_dates_are_printed(tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document()), tmp_path)
    for expected in (
        "INVOICE",
        "INV-0042",
        "Acme Widgets GmbH",
        "Bahnhofstrasse 1",
        "Tax ID: CHE-123.456.789",
        "Jane Doe",
        "Doe Trading Ltd",
        "jane@example.com",
        "March 1, 2026",
        "March 31, 2026",
    ):
        assert expected in text


@pytest.mark.parametrize(
    "name",
    ["Zürich AG", "Tōkyō Shōten", "東京商事株式会社", "ООО Москва", "Αθήνα Α.Ε.", "서울 상사"],
)
def test_customer_names_in_any_script_are_real_text(name: str, tmp_path: Path) -> None:
    doc = document(customer=customer(name=name))
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    assert name in text


def test_mixed_scripts_in_one_document(tmp_path: Path) -> None:
    names = ("Zürich", "Tōkyō", "東京", "Москва", "Αθήνα")
    doc = document(
        customer=customer(name=" / ".join(names), address_lines=names),
        items=tuple(LineItemRow(f"Office {name}", "1", 10_000, 10_000) for name in names),
    )
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    for name in names:
        assert text.count(name) >= 3  # name line, address line, line item


def test_latin_only_documents_embed_no_cjk_font() -> None:
    latin = render_invoice(document(customer=customer(name="Zürich Αθήνα Москва")))
    cjk = render_invoice(document(customer=customer(name="東京")))
    assert b"NotoSansCJK" not in latin
    assert b"NotoSansCJK" in cjk
    assert len(cjk) < 200_000  # subset, not the 16 MB font


def test_every_line_and_the_totals_are_printed(tmp_path: Path) -> None:
    items = (
        LineItemRow("Design work on the new marketing site, phase one", "12", 9_500, 114_000),
        LineItemRow("Hosting (annual)", "1", 24_000, 24_000),
        LineItemRow("Support hours", "3", 12_000, 36_000),
    )
    doc = document(
        items,
        discounts=(DiscountLine("Loyalty discount", 17_400),),
        taxes=(TaxLine("Sales tax", "8.875", 13_900),),
    )
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    flat = squash(text)
    for item in items:
        assert squash(item.description) in flat
        assert format_amount(item.unit_price, "USD") in text
        assert format_amount(item.line_total, "USD") in text
    assert "Subtotal" in text
    assert "$1,740.00" in text  # 114,000 + 24,000 + 36,000 cents
    assert "Loyalty discount" in text
    assert "-$174.00" in text
    assert "Sales tax (8.875%)" in text
    assert "$139.00" in text
    assert "Total" in text
    assert "Amount due" in text
    assert text.count("$1,705.00") >= 3  # total, amount due, due panel


def test_applied_credits_are_printed_between_total_and_amount_due(tmp_path: Path) -> None:
    doc = replace(document(), credits_applied=5_000)
    doc = replace(doc, amount_due=doc.total - 5_000)
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    total, due = format_amount(doc.total, "USD"), format_amount(doc.amount_due, "USD")
    assert "Credits applied" in text
    assert "-$50.00" in text
    assert text.index("Total") < text.index("Credits applied") < text.index("Amount due")
    assert total in text
    assert due in text


def test_no_credits_line_without_credits(tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document()), tmp_path)
    assert "Credits applied" not in text


def test_amounts_use_the_currency_exponent(tmp_path: Path) -> None:
    items = (LineItemRow("Tea ceremony", "2", 600, 1_200),)
    (text,) = pdf_text(render_invoice(document(items, currency="JPY")), tmp_path)
    assert "¥600" in text
    assert "¥1,200" in text


def test_payment_link_is_printed_when_money_is_due(tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document()), tmp_path)
    assert "HOW TO PAY" in text
    assert "https://pay.example.com/i/INV-0042" in squash(text)


def test_paid_invoice_has_stamp_and_no_payment_request(tmp_path: Path) -> None:
    doc = document(status_stamp="PAID", amount_paid=document().total)
    (text,) = pdf_text(render_invoice(doc), tmp_path, raw=True)
    assert text.count("PAID") == 2  # the status row and the tilted stamp
    assert "$0.00" in text
    assert "No payment due" in text
    assert "HOW TO PAY" not in text


@pytest.mark.parametrize("stamp", ["ARCHIVED", "VOID", "partially paid"])
def test_other_stamps_are_printed(stamp: str, tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document(status_stamp=stamp)), tmp_path, raw=True)
    assert text.count(stamp.upper()) == 2


def test_unstamped_invoice_has_no_stamp(tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document()), tmp_path, raw=True)
    assert "Status" not in text
    for word in ("PAID", "VOID", "ARCHIVED"):
        assert word not in text


def test_memo_is_printed(tmp_path: Path) -> None:
    doc = document(memo="Payable by bank transfer to IBAN CH93 0076 2011 6238 5295 7.")
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    assert "IBAN CH93 0076 2011 6238 5295 7." in text


def test_long_invoice_flows_onto_pages_with_repeated_headings(tmp_path: Path) -> None:
    items = lines(500)
    pages = pdf_text(render_invoice(document(items)), tmp_path)
    count = len(pages)
    assert count > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in page
    pages_with_rows = [page for page in pages if "consulting services" in page]
    assert len(pages_with_rows) > 1
    for page in pages_with_rows:
        assert page.count("DESCRIPTION") == 1
        assert page.count("UNIT PRICE") == 1
    assert "continued" in pages[1]
    assert "DESCRIPTION" in pages[1]
    everything = "".join(pages)
    for item in items:
        assert item.description in everything
    assert format_amount(document(items).total, "USD") in pages[-1]


@pytest.mark.parametrize(
    ("paper", "dpi"),
    [("A4", 50), ("Letter", 50), ("A4", 72)],
)
def test_first_page_renders_at_paper_size_and_is_not_blank(
    paper: PaperSize, dpi: int, tmp_path: Path
) -> None:
    image = first_page_png(render_invoice(document(paper=paper)), tmp_path, dpi)
    width_mm, height_mm = _PAPER_MM[paper]
    expected = (width_mm / _MM_PER_INCH * dpi, height_mm / _MM_PER_INCH * dpi)
    assert abs(image.width - expected[0]) <= 1
    assert abs(image.height - expected[1]) <= 1
    white = Image.new("RGB", image.size, (255, 255, 255))
    assert ImageChops.difference(image, white).getbbox() is not None
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > 0.005 * image.width * image.height  # real ink, not a stray pixel


def test_concurrent_renders_match_sequential_ones() -> None:
    docs = [
        document(),
        document(customer=customer(name="東京 Москва")),
        document(lines(15), status_stamp="PAID"),
        document(paper="Letter", currency="KWD"),
    ]
    expected = [render_invoice(doc) for doc in docs]
    with ThreadPoolExecutor(max_workers=len(docs)) as pool:
        assert list(pool.map(render_invoice, docs)) == expected


def test_missing_font_package_names_the_package_to_install() -> None:
    with pytest.raises(fonts.FontNotFound, match=r"pip install 'some-font==1\.0'"):
        fonts._package_file("invoicery_no_such_font_package", "some-font==1.0", "x.ttf")


def test_characters_no_font_has_do_not_break_rendering(tmp_path: Path) -> None:
    doc = document(customer=customer(name="Emoji 😀 Ltd", address_lines=("شارع", "東京")))
    (text,) = pdf_text(render_invoice(doc), tmp_path)
    assert "Emoji" in text
    assert "東京" in text


def test_invoice_without_lines_still_renders(tmp_path: Path) -> None:
    (text,) = pdf_text(render_invoice(document(())), tmp_path)
    assert "DESCRIPTION" in text
    assert "Total" in text
