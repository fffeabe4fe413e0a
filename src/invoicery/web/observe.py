"""Every request's id, access log line and metrics, in one outermost ASGI middleware.

The log line (logger ``invoicery.access``, one per request) names the route by its
template, never the raw path or query (a path may hold a page token, a query a signed
link's signature), and the caller by its client id only: no header, token, body or
personal data is logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicery.domain import ids
from invoicery.logs import FIELDS, json_handler, write_json_line
from invoicery.store.database import Database
from invoicery.web import request_id
from invoicery.web.caller import known_caller

__all__ = ["ObserveMiddleware", "route_template"]

access_logger = logging.getLogger("invoicery.access")
_HEADER = request_id.HEADER.lower().encode()
_MESSAGE = "%s %s %d %.1fms request_id=%s client_id=%s"


def route_template(scope: Scope) -> str | None:
    """The template of the route that served the request (``/invoices/{invoice_id}``)."""
    path = getattr(scope.get("route"), "path", None)  # set for the API's routes
    if isinstance(path, str):
        return path
    if scope.get("endpoint") is not None and not scope.get("path_params"):
        # A plain route of the app (the OpenAPI documents, docs pages): no parameters,
        # so its path is its template.
        served: str = scope["path"]
        return served
    return None


class ObserveMiddleware:
    """Give each request an id, echo it, log one line for it and count it in the metrics."""

    def __init__(self, app: ASGIApp, *, db: Database, metrics: bool) -> None:
        self.app = app
        self.db = db
        self.metrics: Any = None
        if metrics:
            # Imported only when on: the multiprocess set-up must precede the import.
            from invoicery.web import metrics as metrics_module

            self.metrics = metrics_module

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = dict(scope["headers"]).get(_HEADER)
        rid = request_id.accepted(sent) or request_id.new()
        request_id.remember(scope, rid)
        status = 500  # unless a response starts: an error escaped to the server's handler
        echoed = (_HEADER, rid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER]
                message = {**message, "headers": [*headers, echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, rid, status, time.perf_counter() - started)

    def _record(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        route = route_template(scope)
        method: str = scope["method"]
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, seconds)
            self.metrics.observe_pool(self.db.connections_in_use())
        if not access_logger.isEnabledFor(logging.INFO):
            return
        principal = known_caller(scope)
        client_id = ids.encode(ids.CLIENT, principal.client_id) if principal else None
        duration_ms = round(seconds * 1000, 1)
        fields: dict[str, Any] = {
            "request_id": rid,
            "client_id": client_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        }
        handler = json_handler(access_logger)
        if handler is not None:  # the same line, without a LogRecord and the handler chain
            message = _MESSAGE % (method, route or "-", status, duration_ms, rid, client_id or "-")
            write_json_line(handler, time.time(), access_logger.name, message, fields)
            return
        access_logger.info(
            _MESSAGE,
            method,
            route or "-",
            status,
            duration_ms,
            rid,
            client_id or "-",
            extra={FIELDS: fields},
        )
