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

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

__all__ = ["FaceVersions", "install_openapi", "shape", "with_components"]

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


def with_components(
    document: dict[str, Any],
    models: Mapping[str, type[BaseModel]],
    parameters: Mapping[tuple[str, str], dict[str, Any]],
) -> dict[str, Any]:
    """A copy of `document` whose components named in `models` are those models' schemas
    (the models they nest included) and whose query `parameters` (by operation id and
    name) have the schemas given: a version of a face with shapes of its own."""
    document = copy.deepcopy(document)
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name, model in models.items():
        schema = model.model_json_schema(ref_template=_REF_PREFIX + "{model}")
        for nested, nested_schema in schema.pop("$defs", {}).items():
            schemas[nested] = nested_schema
        schemas[name] = schema
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", ()):
                key = (operation.get("operationId"), parameter["name"])
                if key in parameters:
                    parameter["schema"] = copy.deepcopy(parameters[key])
    return document


@dataclass(frozen=True)
class FaceVersions:
    """The versions a face is documented in: each one's own components and query parameter
    schemas (see `with_components`), and the default version."""

    components: Mapping[str, Mapping[str, type[BaseModel]]]
    parameters: Mapping[str, Mapping[tuple[str, str], dict[str, Any]]]
    default: str


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
    face_versions: FaceVersions,
) -> None:
    """Document `root` at /openapi.json and `face` at `{face_prefix}/openapi.json` (+ /docs),
    one document per version of the face (``?version=``, the default if absent)."""
    documents: dict[str, dict[str, Any]] = {}

    def root_document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app, root, app.title, app.description)
        return app.openapi_schema

    def face_document(version: str) -> dict[str, Any]:
        if version not in documents:
            generated = _document(app, face, face_title, face_description)
            document = with_components(
                generated,
                face_versions.components[version],
                face_versions.parameters.get(version, {}),
            )
            document["info"]["x-api-version"] = version
            documents[version] = document
        return documents[version]

    async def face_openapi(request: Request) -> JSONResponse:
        version = request.query_params.get("version", face_versions.default)
        if version not in face_versions.components:
            known = ", ".join(face_versions.components)
            return JSONResponse(
                {"code": "BAD_REQUEST", "message": f"unknown version {version!r}: one of {known}"},
                status_code=400,
            )
        return JSONResponse(face_document(version))

    async def face_docs(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{face_prefix}/openapi.json", title=face_title)

    app.openapi = root_document  # type: ignore[method-assign]
    app.add_route(f"{face_prefix}/openapi.json", face_openapi, include_in_schema=False)
    app.add_route(f"{face_prefix}/docs", face_docs, include_in_schema=False)
