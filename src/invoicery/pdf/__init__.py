"""Invoice PDFs rendered from a small view model, independent of any wire format.

- `render_invoice(doc)`: the invoice as PDF bytes (see `invoicery.pdf.render`).

`render_invoice` is imported on first use: fpdf2, fontTools and Pillow take ~35 MiB, which
a server process that only serves stored PDFs never needs.
"""

from typing import TYPE_CHECKING, Any

from invoicery.pdf.view import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    PaperSize,
    ReceiptDetails,
    TaxLine,
)

if TYPE_CHECKING:
    from invoicery.pdf.render import render_invoice

__all__ = [
    "CustomerBlock",
    "DiscountLine",
    "InvoiceDocument",
    "LineItemRow",
    "MerchantBlock",
    "PaperSize",
    "ReceiptDetails",
    "TaxLine",
    "render_invoice",
]


def __getattr__(name: str) -> Any:
    """`render_invoice`, imported on first use."""
    if name == "render_invoice":
        from invoicery.pdf.render import render_invoice  # lazy on purpose

        return render_invoice
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
