"""Renders failures as billing-v1's `RestErrorResponse`: {code, message, request_id}.

The one mapping of this face: a state conflict is a 409 here (the AP face says 400),
body validation is a 400 (the one 422 is an amount above what is due, on both faces:
`exceeds_amount_due`, a `BAD_REQUEST` code), and field errors are folded into the
message, since the error body has no field map. Each status has its own code; another
4xx (a 422 that is not body validation, say) is a `BAD_REQUEST`, another 5xx an
`INTERNAL_SERVER_ERROR`.
"""

from __future__ import annotations

from starlette.responses import Response

from invoicery.api.json import JsonResponse
from invoicery.web.errors import ApiError

__all__ = ["render_rest_error"]

_STATUS_BY_CODE = {"invalid_state": 409, "validation_error": 400}
_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def render_rest_error(error: ApiError) -> Response:
    """A `RestErrorResponse` JSON response for `error`."""
    status = _STATUS_BY_CODE.get(error.code, error.status)
    code = _CODE_BY_STATUS.get(status, "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST")
    message = error.message
    if error.fields:
        details = "; ".join(f"{name}: {text}" for name, text in error.fields.items())
        message = f"{message}: {details}"
    body = {"code": code, "message": message}
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return JsonResponse(body, status_code=status, headers=dict(error.headers))
