"""Median wall time of `render_invoice` for a 10-line and a 500-line invoice.

- `invoice(lines, customer_name)`: a consistent invoice with `lines` line items.
- `median_seconds(doc, runs)`: median render time of `doc` over `runs` renders, after a warm-up.
- `main()`: print the medians (and PDF sizes) beside issue 13's targets as a small table.

Run: .venv/bin/python bench/pdf_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from invoicery.pdf import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    TaxLine,
    render_invoice,
)


def invoice(lines: int, customer_name: str = "Jane Doe") -> InvoiceDocument:
    """A consistent invoice with `lines` line items."""
    items = tuple(
        LineItemRow(
            description=f"Consulting services, work package {n + 1}: analysis, design and review",
            quantity=str(n % 5 + 1),
            unit_price=12_500 + 10 * n,
            line_total=(n % 5 + 1) * (12_500 + 10 * n),
        )
        for n in range(lines)
    )
    subtotal = sum(item.line_total for item in items)
    discount = subtotal // 20
    tax = (subtotal - discount) // 5
    total = subtotal - discount + tax
    return InvoiceDocument(
        merchant=MerchantBlock(
            display_name="Acme Widgets GmbH",
            address_lines=("Bahnhofstrasse 1", "8001 Zürich"),
            country="Switzerland",
            tax_id="CHE-123.456.789",
        ),
        customer=CustomerBlock(
            name=customer_name, email="jane@example.com", address_lines=("1 Main Street",)
        ),
        number="INV-BENCH",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        currency="EUR",
        line_items=items,
        subtotal=subtotal,
        discounts=(DiscountLine("Volume discount (5%)", discount),),
        taxes=(TaxLine("VAT", "20", tax),),
        total=total,
        amount_due=total,
        memo="Thank you for your business.",
        payment_url="https://pay.example.com/i/INV-BENCH",
    )


# Issue 13's targets for the median render time, in milliseconds.
TARGET_MS = {"10 lines": 30.0, "500 lines": 300.0, "10 lines, CJK name": 60.0}


def median_seconds(doc: InvoiceDocument, runs: int) -> tuple[float, int]:
    """Median render time of `doc` over `runs` renders, after a warm-up; and the PDF size."""
    size = len(render_invoice(doc))  # warm-up: imports, font look-up and coverage caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        render_invoice(doc)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), size


def main() -> None:
    """Print the medians (and PDF sizes) beside the targets as a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed renders per case")
    args = parser.parse_args()
    cases = (
        ("10 lines", invoice(10)),
        ("500 lines", invoice(500)),
        ("10 lines, CJK name", invoice(10, "田中さくら (Tōkyō)")),
    )
    header = f"{'case':<20} {'median':>10} {'target':>10} {'':>6} {'pages':>6} {'size':>9}"
    print(f"{header}   ({args.runs} runs)")
    for name, doc in cases:
        seconds, size = median_seconds(doc, args.runs)
        pages = render_invoice(doc).count(b"/Type /Page\n")
        target = TARGET_MS[name]
        verdict = "met" if seconds * 1000 <= target else "MISSED"
        print(
            f"{name:<20} {seconds * 1000:>8.1f}ms {'≤ ' + format(target, '.0f'):>8}ms "
            f"{verdict:>6} {pages:>6} {size / 1024:>7.1f}kB"
        )


if __name__ == "__main__":
    main()
