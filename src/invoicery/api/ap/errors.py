"""Renders failures as the AP `HttpError` body: {code, message, validation_errors, request_id}."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from invoicery.api.json import JsonResponse
from invoicery.web.errors import ApiError

__all__ = ["render_http_error"]


def render_http_error(error: ApiError) -> Response:
    """An `HttpError` JSON response for `error`."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["validation_errors"] = dict(error.fields)
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return JsonResponse(body, status_code=error.status, headers=dict(error.headers))
