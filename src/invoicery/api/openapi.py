"""The published OpenAPI document, named and shaped like the vendors' specs.

FastAPI derives component names from class names and documents its own 422 body;
this module renames components to the vendor's names (``PaginatedResponse-Invoice``),
folds input-only twins into their vendor schema, and drops FastAPI's validation body,
since every error here is rendered in the wire format's own error schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["install_openapi", "shape"]

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


def install_openapi(app: FastAPI) -> None:
    """Serve the shaped document at /openapi.json (computed once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = shape(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
