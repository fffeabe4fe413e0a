"""405 answers whose `Allow` names every method served at the path (RFC 9110 §15.5.6).

The router answers 405 from the first route whose path matched, so its `Allow` lists
that one route's methods (`OPTIONS /api/v1/coupons` said `Allow: POST`, though GET is
served there too). Here the 405 asks every route instead, through the public
`BaseRoute.matches`, so included routers and overlapping paths are covered alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from invoicery.web.errors import ApiError, ErrorRenderer

__all__ = ["allowed_methods", "install_allow"]

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Sequence[BaseRoute], path: str, root_path: str = "") -> list[str]:
    """The methods some route in `routes` fully serves at `path`."""
    served = []
    for method in _METHODS:
        probe = {"type": "http", "method": method, "path": path, "root_path": root_path}
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            served.append(method)
    return served


def install_allow(app: FastAPI, renderer: ErrorRenderer) -> None:
    """Answer every 405 of `app` with the full `Allow`, in the format of the request's face."""

    async def on_method_not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        scope = request.scope
        allow = ", ".join(allowed_methods(app.router.routes, scope["path"], scope["root_path"]))
        error = ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; allowed: {allow}",
            headers={**(exc.headers or {}), "Allow": allow},
        )
        return renderer.for_scope(scope, error)

    app.add_exception_handler(405, on_method_not_allowed)
