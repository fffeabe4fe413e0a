"""The content version of a document: what its ETag and cache key are made of.

The version is a digest of the view model and of the renderer itself (the source of
`invoicery.pdf` and the versions of fpdf2 and the font packages), so a changed invoice,
customer or account setting, or a new renderer, gives new bytes under a new version,
while the same inputs always give the same version on every host. A Factur-X document's
version covers its XML (a field of the view model) and the code that embeds it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

import orjson

from invoicery.pdf import view
from invoicery.pdf.view import InvoiceDocument

__all__ = ["content_version"]

_DISTRIBUTIONS = ("fpdf2", "font-source-sans-pro", "noto-cjk-sans-jp-regular")
_FACTURX_DISTRIBUTIONS = ("factur-x", "pypdf")
_FACTURX_SOURCE = Path(__file__).parent.parent / "einvoice" / "facturx.py"


@cache
def _renderer_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for name in _DISTRIBUTIONS:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    package = Path(view.__file__).parent  # invoicery.pdf, without importing the renderer
    for source in sorted(package.glob("*.py")):
        digest.update(source.name.encode() + b"\n" + source.read_bytes())
    return digest.digest()


@cache
def _facturx_fingerprint() -> bytes:
    """What makes a Factur-X PDF of the same document: the embedding code and packages."""
    digest = hashlib.sha256()
    for name in _FACTURX_DISTRIBUTIONS:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    digest.update(_FACTURX_SOURCE.read_bytes())
    return digest.digest()


def content_version(doc: InvoiceDocument) -> str:
    """32 hex digits that change whenever the rendered PDF of `doc` could change (its
    e-invoice included)."""
    digest = hashlib.sha256(_renderer_fingerprint())
    if doc.facturx_xml is not None:
        digest.update(_facturx_fingerprint())
    digest.update(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:32]
