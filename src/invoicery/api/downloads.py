"""The public, signed PDF and XML downloads, and what every invoice PDF response shares.

- `router`: ``GET /downloads/{account}/{invoice}.pdf?expires=…&kid=…&sig=…``, public (no
  bearer token): the signature is the authority; any failure of it is a 403.
- `DocumentsDep`: the document machinery (keys, cache) of this app, set up on first use
  (it lives in `invoicery.web.collaborators`, which the pages use too).
- `pdf_response(...)`: 200 with the PDF, or 304 when ``If-None-Match`` names its version.
- ``GET /downloads/{account}/{invoice}.xml?…`` (on `router` too): the e-invoice XML a
  signed link grants, likewise; `xml_response(...)` answers it as an attachment.
- `FileBody`: a response that sends a cached file with the server's zero-copy file
  sending (the ASGI ``http.response.pathsend`` extension, which granian offers), or
  reads it in one piece where the server lacks it (tests' in-process transport).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from invoicery.api.hot import HotRoute, hot
from invoicery.documents.files import CachedFile
from invoicery.documents.signing import InvalidLink
from invoicery.service import documents, einvoicing
from invoicery.service.documents import Documents, InvoicePdf
from invoicery.service.einvoicing import EInvoiceXml
from invoicery.store.database import Database
from invoicery.web.collaborators import DocumentsDep, get_documents
from invoicery.web.deps import DatabaseDep, get_db
from invoicery.web.urls import download_path, xml_download_path

__all__ = [
    "DocumentsDep",
    "FileBody",
    "content_disposition",
    "etag_matches",
    "get_documents",
    "pdf_response",
    "router",
    "xml_response",
]

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")

router = APIRouter(include_in_schema=False, route_class=HotRoute)


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


class FileBody(Response):
    """A cached file as the body, sent zero-copy when the server offers ``pathsend``."""

    def __init__(self, file: CachedFile, *, media_type: str, headers: dict[str, str]) -> None:
        super().__init__(media_type=media_type, headers=headers)
        self.file = file
        self.headers["content-length"] = str(file.size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the headers, then the file by path (or its bytes), then any background task."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        path = str(self.file.path)
        if "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": path})
        else:
            with open(path, "rb") as source:  # noqa: ASYNC230 - a small, page-cached file
                body = source.read()
            await send({"type": "http.response.body", "body": body})
        if self.background is not None:
            await self.background()


async def pdf_response(
    request: Request, docs: Documents, opened: InvoicePdf, *, cache_control: str
) -> Response:
    """The PDF as an attachment with its ETag, or 304 if the client has this version."""
    headers = {"ETag": f'"{opened.etag}"', "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), opened.etag):
        return Response(status_code=304, headers=headers)
    file = await documents.content_file(docs, opened)
    headers["Content-Disposition"] = content_disposition(opened.filename)
    headers["X-Content-Type-Options"] = "nosniff"
    return FileBody(file, media_type="application/pdf", headers=headers)


async def _download_fast(request: Request) -> Response:
    """`download_invoice_pdf` without FastAPI's per-request work (see `api.hot`)."""
    db, docs = await get_db(request), await get_documents(request)
    path = request.path_params
    return await _download(request, db, docs, path["account_id"], path["invoice_id"])


@router.get(download_path("{account_id}", "{invoice_id}"))
@hot(_download_fast)
async def download_invoice_pdf(
    request: Request, db: DatabaseDep, docs: DocumentsDep, account_id: str, invoice_id: str
) -> Response:
    """The invoice PDF a signed link grants; 403 if the link is expired, tampered or retired."""
    return await _download(request, db, docs, account_id, invoice_id)


async def _download(
    request: Request, db: Database, docs: Documents, account_id: str, invoice_id: str
) -> Response:
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


def xml_response(found: EInvoiceXml, *, cache_control: str) -> Response:
    """An e-invoice's XML as an attachment named after the invoice number."""
    headers = {
        "Cache-Control": cache_control,
        "Content-Disposition": content_disposition(found.filename),
        "X-Content-Type-Options": "nosniff",
    }
    return Response(found.body, media_type=found.media_type, headers=headers)


@router.get(xml_download_path("{account_id}", "{invoice_id}"))
async def download_invoice_xml(
    request: Request, db: DatabaseDep, docs: DocumentsDep, account_id: str, invoice_id: str
) -> Response:
    """The e-invoice XML a signed link grants; 403 if the link is expired, tampered or retired."""
    try:
        signed = await einvoicing.open_xml_by_link(
            db, docs, account_id=account_id, invoice_id=invoice_id, query=request.url.query
        )
    except InvalidLink as error:
        raise HTTPException(403, f"this download link is not valid: {error}") from None
    max_age = documents.seconds_left(signed.expires)
    return xml_response(signed.document, cache_control=f"private, max-age={max_age}")
