"""Render the sample invoice: docs/samples/invoice.pdf and its first page as invoice.png.

- `sample_document()`: a realistic invoice with a discount, a tax and a multi-script customer.
- `main()`: write both files next to this script (the PNG needs poppler-utils' pdftoppm).

Run: .venv/bin/python docs/samples/make_sample.py
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

from invoicery.pdf import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    TaxLine,
    render_invoice,
)

HERE = Path(__file__).resolve().parent


def sample_document() -> InvoiceDocument:
    """A realistic invoice with a discount, a tax and a multi-script customer."""
    lines = (
        LineItemRow(
            "Platform subscription — Business plan, 1–31 December 2026 (12 seats)",
            "12",
            4_900,
            58_800,
        ),
        LineItemRow(
            "Onboarding workshop for the Tōkyō (東京) and Zürich teams, remote, two sessions",
            "1",
            120_000,
            120_000,
        ),
        LineItemRow("Additional API requests (per 10,000)", "37", 250, 9_250),
        LineItemRow(
            "Priority support with a four-hour first-response target",
            "1",
            30_000,
            30_000,
        ),
    )
    subtotal = sum(line.line_total for line in lines)
    discount = 21_805
    tax = (subtotal - discount) * 81 // 1000
    total = subtotal - discount + tax
    return InvoiceDocument(
        merchant=MerchantBlock(
            display_name="Northwind Analytics AG",
            address_lines=("Bahnhofstrasse 42", "8001 Zürich"),
            country="Switzerland",
            tax_id="CHE-123.456.789 MWST",
            email="billing@northwind.example",
        ),
        customer=CustomerBlock(
            name="Sakura Tanaka (田中さくら)",
            company="Sakura Trading K.K. (さくら商事株式会社)",
            address_lines=(
                "Shibuya 2-21-1, Hikarie 34F",
                "Shibuya-ku, Tōkyō 150-8510 (東京都渋谷区)",
                "Japan",
            ),
            email="accounts@sakura-trading.example",
        ),
        number="INV-2026-0042",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="CHF",
        line_items=lines,
        subtotal=subtotal,
        discounts=(DiscountLine("Annual commitment discount (10%)", discount),),
        taxes=(TaxLine("Swiss VAT", "8.1", tax),),
        total=total,
        amount_due=total,
        memo=(
            "Thank you for your business. Services were delivered from Zürich; the workshop "
            "materials are available in your account under Documents → Training."
        ),
        payment_url="https://pay.northwind.example/i/INV-2026-0042?k=7f3a9c",
    )


def main() -> None:
    """Write both files next to this script (the PNG needs poppler-utils' pdftoppm)."""
    pdf_path = HERE / "invoice.pdf"
    pdf_path.write_bytes(render_invoice(sample_document()))
    print(f"wrote {pdf_path}")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("pdftoppm not found (apt-get install poppler-utils): no PNG written")
        return
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            pdftoppm,
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(HERE / "invoice"),
        ],
        check=True,
    )
    print(f"wrote {HERE / 'invoice.png'}")


if __name__ == "__main__":
    main()
