"""Write a sample Factur-X (EN 16931) CII document: docs/samples/einvoice-facturx.xml.

The invoice is the one `make_sample.py` prints and prices through the real pricing code
(Northwind Analytics AG, Zürich, CHF, a 10 % coupon, Swiss VAT 8.1 % per line, half up:
CHF 158.96 of VAT); this script only states it as an e-invoice.

Run: .venv/bin/python docs/samples/make_einvoice_sample.py
"""

from __future__ import annotations

from make_sample import HERE, sample_customer, sample_invoice

from invoicery.einvoice import Buyer, Profile, Seller, build, to_cii

SELLER = Seller(
    name="Northwind Analytics AG",
    country="CH",
    address_line1="Bahnhofstrasse 42",
    city="Zürich",
    postal_code="8001",
    vat_id="CHE-116.281.710 MWST",
    contact_email="billing@northwind.example",
    iban="CH9300762011623852957",
    account_name="Northwind Analytics AG",
)


def main() -> None:
    """Write the sample next to this script."""
    customer = sample_customer()
    invoice = sample_invoice(customer)
    assert invoice.customer_details is not None
    buyer = Buyer.of(invoice.customer_details, customer)
    doc = build(invoice, seller=SELLER, buyer=buyer, profile=Profile.FACTURX)
    path = HERE / "einvoice-facturx.xml"
    path.write_bytes(to_cii(doc, Profile.FACTURX))
    print(f"wrote {path} (tax {invoice.tax_amount}, total {invoice.total} minor units of CHF)")


if __name__ == "__main__":
    main()
