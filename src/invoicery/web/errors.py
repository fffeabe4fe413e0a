"""The one place where failures become HTTP responses, per wire format.

Each wire format provides an `ErrorFormat` that renders (status, code, message, field
errors) in its own body shape; the handlers here decide status and code once for both.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from invoicery.domain.errors import (
    AmountExceeded,
    BadRequest,
    Conflict,
    ExceedsAmountDue,
    IdempotencyKeyReused,
    InvalidInput,
    InvalidState,
    InvoiceryError,
    NotFound,
    PayloadTooLarge,
    RequestInProgress,
    TooManyAttempts,
    Unavailable,
)
from invoicery.web import request_id

__all__ = [
    "ApiError",
    "AuthError",
    "ErrorFormat",
    "ErrorRenderer",
    "field_name",
    "install_error_handlers",
]

logger = logging.getLogger("invoicery.api")


@dataclass
class ApiError:
    """A failure ready to render: HTTP status, a stable code, a message, field errors."""

    status: int
    code: str
    message: str
    fields: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None
    """The request's id (see `invoicery.web.request_id`), for the body to echo."""


class AuthError(Exception):
    """Authentication or authorization failed on a resource endpoint (RFC 6750 §3)."""

    def __init__(self, status: int, message: str, challenge: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.challenge = challenge


class ErrorFormat(Protocol):
    """Renders an `ApiError` in one wire format's body shape."""

    def __call__(self, error: ApiError) -> Response: ...


_STATUS_OF: tuple[tuple[type[InvoiceryError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (IdempotencyKeyReused, 422, "idempotency_key_reused"),
    (ExceedsAmountDue, 422, "exceeds_amount_due"),
    (RequestInProgress, 409, "idempotency_key_in_use"),
    (BadRequest, 400, "bad_request"),
    (InvalidInput, 422, "validation_error"),
    (InvalidState, 400, "invalid_state"),
    (AmountExceeded, 422, "amount_exceeded"),
    (Conflict, 409, "conflict"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (TooManyAttempts, 429, "too_many_requests"),
    (Unavailable, 503, "service_unavailable"),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "service_unavailable",
}


def field_name(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as a field path: ("line_items", 0, "amount") -> ...[0].amount."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _from_domain(error: InvoiceryError) -> ApiError:
    for kind, status, code in _STATUS_OF:
        if isinstance(error, kind):
            fields = error.fields if isinstance(error, InvalidInput) else {}
            headers = (
                {"Retry-After": str(error.retry_after)}
                if isinstance(error, TooManyAttempts | Unavailable | RequestInProgress)
                else {}
            )
            return ApiError(status, code, error.message, fields, headers)
    return ApiError(500, "internal_error", "internal server error")


def _from_validation(error: RequestValidationError) -> ApiError:
    fields: dict[str, str] = {}
    in_body = False
    for item in error.errors():
        location = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid" or (
            location[:1] == ("body",) and item.get("type") == "model_attributes_type"
        ):
            return ApiError(400, "bad_request", "the request body is not valid JSON")
        source, *rest = location or ("body",)
        in_body = in_body or source == "body"
        name = field_name(tuple(rest)) or str(source)
        fields.setdefault(name, str(item.get("msg", "invalid value")))
    if in_body:
        return ApiError(422, "validation_error", "the request body is invalid", fields)
    return ApiError(400, "bad_request", "a query parameter is invalid", fields)


class ErrorRenderer:
    """Renders an `ApiError` in the wire format of the path prefix a request came under."""

    def __init__(self, formats: Mapping[str, ErrorFormat]) -> None:
        self._formats = formats
        self._prefixes = sorted(formats, key=len, reverse=True)

    def for_path(self, path: str, error: ApiError) -> Response:
        """The response for `error` on a request to `path`."""
        prefix = next(p for p in self._prefixes if path.startswith(p))
        return self._formats[prefix](error)

    def for_scope(self, scope: Scope, error: ApiError) -> Response:
        """The response for `error` on the request of `scope`, carrying its request id."""
        rid = request_id.of_scope(scope)
        if rid is None:
            return self.for_path(scope["path"], error)
        headers = {**error.headers, request_id.HEADER: rid}
        return self.for_path(scope["path"], replace(error, request_id=rid, headers=headers))

    def for_domain(self, scope: Scope, error: InvoiceryError) -> Response:
        """The response for a domain error raised outside the app's handlers (a middleware)."""
        return self.for_scope(scope, _from_domain(error))


def install_error_handlers(app: FastAPI, formats: Mapping[str, ErrorFormat]) -> ErrorRenderer:
    """Map every failure to a response in the format of the path prefix it happened under."""
    renderer = ErrorRenderer(formats)

    def render(request: Request, error: ApiError) -> Response:
        # By scope: an unexpected error's 500 is sent from outside every middleware, so
        # only the rendered response itself can carry the request id there.
        return renderer.for_scope(request.scope, error)

    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvoiceryError)
        return render(request, _from_domain(exc))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, _from_validation(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        return render(request, ApiError(exc.status_code, code, message, {}, exc.headers or {}))

    async def on_auth(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        code = "unauthorized" if exc.status == 401 else "forbidden"
        headers = {"WWW-Authenticate": exc.challenge}
        return render(request, ApiError(exc.status, code, exc.message, {}, headers))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, ApiError(500, "internal_error", "internal server error"))

    app.add_exception_handler(InvoiceryError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(AuthError, on_auth)
    app.add_exception_handler(Exception, on_unexpected)
    return renderer
