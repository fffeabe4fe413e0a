"""Which billing-v1 version answers a request, and the header that says so.

The caller's client or key is pinned to a version; the request header `Invoicery-Version`
overrides it. Every response under /api/v1 names the version it was answered in, so a
client can tell which rendering it got (errors included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicery.domain.api_versions import NEWEST, ApiVersion, parse_api_version
from invoicery.domain.errors import BadRequest
from invoicery.web.caller import known_caller
from invoicery.web.errors import ErrorRenderer

__all__ = [
    "HEADER",
    "PARAMETERS",
    "SCHEMAS",
    "RequestVersion",
    "VersionHeaderMiddleware",
    "documented_body",
    "register_parameters",
    "register_schemas",
    "request_version",
    "versioned_body",
]

M = TypeVar("M", bound=BaseModel)

HEADER = "Invoicery-Version"


_ASKED = "invoicery.asked_version"  # the header's version, kept by the middleware


def _answered_in(scope: Scope) -> ApiVersion:
    """The version the request asked for (`VersionHeaderMiddleware` read it and refused
    unknown ones), else the caller's pinned one."""
    asked: ApiVersion | None = scope.get("state", {}).get(_ASKED)
    if asked is not None:
        return asked
    principal = known_caller(scope)
    return principal.api_version if principal is not None else NEWEST


def request_version(request: Request) -> ApiVersion:
    """The version this request is answered in."""
    return _answered_in(request.scope)


RequestVersion = Annotated[ApiVersion, Depends(request_version)]

SCHEMAS: dict[ApiVersion, dict[str, type[BaseModel]]] = {version: {} for version in ApiVersion}
"""Per version, the OpenAPI components whose shape is that version's own, by name: the
face's document for a version takes these in place of (or beside) the generated ones."""


PARAMETERS: dict[ApiVersion, dict[tuple[str, str], dict[str, Any]]] = {
    version: {} for version in ApiVersion
}
"""Per version, the schemas of query parameters spelled that version's way, by
(operation id, parameter name)."""


def register_schemas(version: ApiVersion, schemas: Mapping[str, type[BaseModel]]) -> None:
    """Document `schemas` (component name -> model) as `version`'s shapes."""
    SCHEMAS[version].update(schemas)


def register_parameters(
    version: ApiVersion, operation_id: str, schemas: Mapping[str, dict[str, Any]]
) -> None:
    """Document the query parameters of `operation_id` named in `schemas` as `version`
    spells them (a route that parses them per version declares them as plain strings)."""
    for name, schema in schemas.items():
        PARAMETERS[version][(operation_id, name)] = schema


async def versioned_body(
    request: Request, version: ApiVersion, models: Mapping[ApiVersion, type[M]]
) -> M:
    """The JSON body parsed by the model of `version` (400, as any body error, if invalid).

    For routes whose request body differs between versions: the route declares no body
    parameter and documents it with `documented_body`.
    """
    # As FastAPI parses a declared body: `request.json()` (exact decimals on a
    # `DecimalJsonRoute`), then the model in Python mode, so that both versions of a
    # route accept the same JSON (``5.0`` as an integer, say).
    try:
        data = await request.json() if await request.body() else None
    except ValueError:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error", "input": {}}]
        ) from None
    try:
        return models[version].model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from None


def documented_body(component: str) -> dict[str, Any]:
    """`openapi_extra` documenting a required JSON body of the component `component`."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
            },
        }
    }


class VersionHeaderMiddleware:
    """Refuses an unknown `Invoicery-Version` (400) and adds `Invoicery-Version` to every
    response under `prefix`."""

    def __init__(self, app: ASGIApp, *, prefix: str, renderer: ErrorRenderer) -> None:
        self.app = app
        self.prefix = prefix
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; name the answering version on the way out."""
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.append((b"invoicery-version", _answered_in(scope).value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        asked = Headers(scope=scope).get(HEADER)
        version = None if asked is None else parse_api_version(asked)
        if asked is not None and version is None:
            known = ", ".join(known_version.value for known_version in ApiVersion)
            refusal = BadRequest(f"unknown API version {asked!r}", {HEADER: f"one of {known}"})
            await self.renderer.for_domain(scope, refusal)(scope, receive, send_with_version)
            return
        scope.setdefault("state", {})[_ASKED] = version
        await self.app(scope, receive, send_with_version)
