"""The public, signed PDF download, and what every invoice PDF response shares.

- `router`: ``GET /downloads/{account}/{invoice}.pdf?expires=…&kid=…&sig=…``, public (no
  bearer token): the signature is the authority; any failure of it is a 403.
- `DocumentsDep`: the document machinery (keys, cache) of this app, set up on first use
  (it lives in `invoicery.web.collaborators`, which the pages use too).
- `pdf_response(...)`: 200 with the PDF, or 304 when ``If-None-Match`` names its version.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from invoicery.documents.signing import InvalidLink
from invoicery.service import documents
from invoicery.service.documents import Documents, InvoicePdf
from invoicery.web.collaborators import DocumentsDep, get_documents
from invoicery.web.deps import DatabaseDep
from invoicery.web.urls import download_path

__all__ = [
    "DocumentsDep",
    "content_disposition",
    "etag_matches",
    "get_documents",
    "pdf_response",
    "router",
]

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")

router = APIRouter(include_in_schema=False)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names `etag` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == f'"{etag}"':
            return True
    return False


def content_disposition(filename: str) -> str:
    """An ``attachment`` disposition; a name beyond safe ASCII also goes in ``filename*``."""
    fallback = _UNSAFE_FILENAME.sub("_", filename)
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


async def pdf_response(
    request: Request, docs: Documents, opened: InvoicePdf, *, cache_control: str
) -> Response:
    """The PDF as an attachment with its ETag, or 304 if the client has this version."""
    headers = {"ETag": f'"{opened.etag}"', "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), opened.etag):
        return Response(status_code=304, headers=headers)
    body = await documents.content(docs, opened)
    headers["Content-Disposition"] = content_disposition(opened.filename)
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(body, media_type="application/pdf", headers=headers)


@router.get(download_path("{account_id}", "{invoice_id}"))
async def download_invoice_pdf(
    request: Request, db: DatabaseDep, docs: DocumentsDep, account_id: str, invoice_id: str
) -> Response:
    """The invoice PDF a signed link grants; 403 if the link is expired, tampered or retired."""
    try:
        signed = await documents.open_by_link(
            db, docs, account_id=account_id, invoice_id=invoice_id, query=request.url.query
        )
    except InvalidLink as error:
        raise HTTPException(403, f"this download link is not valid: {error}") from None
    max_age = documents.seconds_left(signed.expires)
    return await pdf_response(
        request, docs, signed.pdf, cache_control=f"private, max-age={max_age}"
    )
