"""The content version of a document: what its ETag and cache key are made of.

The version is a digest of the view model and of the renderer itself (the source of
`invoicery.pdf` and the versions of fpdf2 and the font packages), so a changed invoice,
customer or account setting, or a new renderer, gives new bytes under a new version,
while the same inputs always give the same version on every host.
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


@cache
def _renderer_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for name in _DISTRIBUTIONS:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    package = Path(view.__file__).parent  # invoicery.pdf, without importing the renderer
    for source in sorted(package.glob("*.py")):
        digest.update(source.name.encode() + b"\n" + source.read_bytes())
    return digest.digest()


def content_version(doc: InvoiceDocument) -> str:
    """32 hex digits that change whenever the rendered PDF of `doc` could change."""
    digest = hashlib.sha256(_renderer_fingerprint())
    digest.update(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:32]
