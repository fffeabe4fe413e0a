"""The XML a profile calls for: CII for Factur-X and XRechnung CII, UBL for XRechnung UBL."""

from __future__ import annotations

from invoicery.einvoice.cii import to_cii
from invoicery.einvoice.model import EInvoice
from invoicery.einvoice.seller import Profile
from invoicery.einvoice.ubl import to_ubl

__all__ = ["render"]


def render(doc: EInvoice, profile: Profile) -> bytes:
    """The XML of `doc` in `profile`'s syntax."""
    if profile is Profile.XRECHNUNG_UBL:
        return to_ubl(doc)
    return to_cii(doc, profile)
