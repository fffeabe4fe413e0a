"""E-invoices: EN 16931 documents of finalized invoices, in CII, UBL and Factur-X PDFs.

- `seller_problems(seller, profile)`: the seller fields `profile` lacks or has invalid,
  by name (call it when an account turns e-invoicing on).
- `build(invoice, seller=, buyer=, profile=, options=)`: the `EInvoice` view of a
  finalized invoice; `DocumentError` names what the invoice's parties lack.
- `build_credit_note(note, invoice, seller=, buyer=, profile=)`: the 381 document of a
  finalized credit note of `invoice`.
- `to_cii(doc, profile)`, `to_ubl(doc)`: its XML; `render(doc, profile)` the right one.
- `embed_facturx(pdf, cii_xml)`: the invoice PDF as a Factur-X PDF/A-3 carrying it
  (in `invoicery.einvoice.facturx`, which imports pypdf and factur-x: only the PDF
  renderer's process needs it, so it is not imported here).
- `decide(...)`, `valid_vat_id(...)`: the VAT category rules and VAT-number check.

Nothing here touches the database or the web: the caller reads the account, the
invoice and its customer and passes them in.
"""

from invoicery.einvoice.build import Buyer, Options, TaxCurrency, build, settled_payments
from invoicery.einvoice.categories import (
    Category,
    SupplyKind,
    VatCategory,
    decide,
    valid_vat_id,
)
from invoicery.einvoice.cii import to_cii
from invoicery.einvoice.credit_note import build_credit_note
from invoicery.einvoice.model import DocumentError, DocumentType, EInvoice
from invoicery.einvoice.render import render
from invoicery.einvoice.seller import Profile, Seller, seller_problems
from invoicery.einvoice.ubl import to_ubl

__all__ = [
    "Buyer",
    "Category",
    "DocumentError",
    "DocumentType",
    "EInvoice",
    "Options",
    "Profile",
    "Seller",
    "SupplyKind",
    "TaxCurrency",
    "VatCategory",
    "build",
    "build_credit_note",
    "decide",
    "render",
    "seller_problems",
    "settled_payments",
    "to_cii",
    "to_ubl",
    "valid_vat_id",
]
