"""The published OpenAPI documents, one per face, named and shaped like the vendors' specs.

Each face has its own document, as each vendor has its own spec: the AP face at
``/openapi.json`` (docs at ``/docs``), the billing-v1 face at ``/api/v1/openapi.json``
(docs at ``/api/v1/docs``). Both vendors name schemas ``Invoice`` and ``Customer``, so
one document could not hold both under their own names.

FastAPI derives component names from class names and documents its own 422 body;
this module renames components to the vendor's names (``PaginatedResponse-Invoice``),
folds input-only twins into their vendor schema, and drops FastAPI's validation body,
since every error here is rendered in the wire format's own error schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

__all__ = ["install_openapi", "shape"]

# Billing-v1 request models keep their own names (``AddressInput``…): they accept what
# the response schemas refuse (unknown fields) and carry constraints responses do not.
RENAMES = {
    "PaginatedResponseInvoice": "PaginatedResponse-Invoice",
    "PaginatedResponseCustomer": "PaginatedResponse-Customer",
    "InvoiceLineItemInput": "InvoiceLineItem",
}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
_REF_PREFIX = "#/components/schemas/"


def _rewrite(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            name = ref.removeprefix(_REF_PREFIX)
            return {**node, "$ref": _REF_PREFIX + renames.get(name, name)}
        return {key: _rewrite(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite(value, renames) for value in node]
    return node


def _drop_fastapi_validation_responses(document: dict[str, Any]) -> None:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            schema = responses.get("422", {}).get("content", {}).get("application/json", {})
            if schema.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
    for name in _FASTAPI_ONLY:
        document.get("components", {}).get("schemas", {}).pop(name, None)


def shape(document: dict[str, Any]) -> dict[str, Any]:
    """Apply the renames and removals to a generated OpenAPI document."""
    _drop_fastapi_validation_responses(document)
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    renamed: dict[str, Any] = {}
    for name, schema in schemas.items():
        target = RENAMES.get(name, name)
        if target not in renamed or name == target:
            renamed[target] = schema
    document = _rewrite(document, RENAMES)
    document.setdefault("components", {})["schemas"] = _rewrite(renamed, RENAMES)
    return document


def _document(
    app: FastAPI, routers: Sequence[APIRouter], title: str, description: str
) -> dict[str, Any]:
    # A router made only to be documented: the served app keeps its own flat routing.
    face = APIRouter()
    for router in routers:
        face.include_router(router)
    document = get_openapi(
        title=title, version=app.version, description=description, routes=face.routes
    )
    return shape(document)


def install_openapi(
    app: FastAPI,
    *,
    root: Sequence[APIRouter],
    face_prefix: str,
    face_title: str,
    face_description: str,
    face: Sequence[APIRouter],
) -> None:
    """Document `root` at /openapi.json and `face` at `{face_prefix}/openapi.json` (+ /docs)."""
    documents: dict[str, dict[str, Any]] = {}

    def root_document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app, root, app.title, app.description)
        return app.openapi_schema

    def face_document() -> dict[str, Any]:
        if face_prefix not in documents:
            documents[face_prefix] = _document(app, face, face_title, face_description)
        return documents[face_prefix]

    async def face_openapi(_request: Request) -> JSONResponse:
        return JSONResponse(face_document())

    async def face_docs(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{face_prefix}/openapi.json", title=face_title)

    app.openapi = root_document  # type: ignore[method-assign]
    app.add_route(f"{face_prefix}/openapi.json", face_openapi, include_in_schema=False)
    app.add_route(f"{face_prefix}/docs", face_docs, include_in_schema=False)
