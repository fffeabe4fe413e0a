"""Invoice PDFs rendered from a small view model, independent of any wire format.

- `render_invoice(doc)`: the invoice as PDF bytes (see `invoicery.pdf.render`).
"""

from invoicery.pdf.render import render_invoice
from invoicery.pdf.view import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    PaperSize,
    TaxLine,
)

__all__ = [
    "CustomerBlock",
    "DiscountLine",
    "InvoiceDocument",
    "LineItemRow",
    "MerchantBlock",
    "PaperSize",
    "TaxLine",
    "render_invoice",
]
