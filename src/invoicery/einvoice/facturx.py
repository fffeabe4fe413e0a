"""Factur-X / ZUGFeRD: the invoice PDF carrying its CII XML, as a PDF/A-3 document.

- `embed_facturx(pdf, cii_xml)`: the same PDF with ``factur-x.xml`` attached
  (AFRelationship Alternative by default, as ZUGFeRD 2 recommends for EN 16931), the
  Factur-X XMP metadata (``pdfaid:part`` 3, conformance B, the Factur-X extension
  schema with DocumentType INVOICE and ConformanceLevel EN 16931) and an sRGB output
  intent, which PDF/A requires and the invoice renderer does not write.

The attaching and the XMP are the `factur-x` package's (`generate_from_binary`, which
checks the XML against the Factur-X EN 16931 schema first and raises if it fails).
The invoice renderer already embeds its fonts; full PDF/A conformance of the page
content (no transparency, …) is the renderer's, not checked here.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal

from facturx import generate_from_binary
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

__all__ = ["FACTURX_FILENAME", "embed_facturx"]

FACTURX_FILENAME = "factur-x.xml"
_SRGB = "sRGB IEC61966-2.1"


@cache
def _srgb_profile() -> bytes:
    """The sRGB ICC profile fpdf2 ships, read without importing fpdf2 (~35 MiB)."""
    spec = importlib.util.find_spec("fpdf")
    assert spec is not None, "fpdf2 is a dependency"
    assert spec.submodule_search_locations, "fpdf2 is a package"
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "data" / "color_profiles" / "sRGB2014.icc").read_bytes()


def _with_output_intent(pdf: bytes) -> bytes:
    """`pdf` with a PDF/A sRGB output intent, unless it has output intents already."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    if "/OutputIntents" in writer.root_object:
        return pdf
    decoded = DecodedStreamObject()
    decoded.set_data(_srgb_profile())
    profile = decoded.flate_encode()
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(_SRGB),
            NameObject("/Info"): TextStringObject(_SRGB),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def embed_facturx(
    pdf: bytes,
    cii_xml: bytes,
    *,
    relationship: Literal["data", "alternative", "source"] = "alternative",
    lang: str | None = None,
) -> bytes:
    """`pdf` as a Factur-X EN 16931 PDF/A-3 carrying `cii_xml` as ``factur-x.xml``.

    Raises if `cii_xml` does not validate against the Factur-X EN 16931 schema.
    """
    result: bytes = generate_from_binary(
        _with_output_intent(pdf),
        cii_xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        afrelationship=relationship,
        lang=lang,
    )
    return result
