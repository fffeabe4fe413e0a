"""Serving routers with authentication on by default: public routers opt out by name."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from fastapi import APIRouter, FastAPI

from invoicery.web.deps import AUTHENTICATED

__all__ = ["include_routers"]


def include_routers(
    app: FastAPI, routers: Sequence[APIRouter], *, public: Collection[APIRouter]
) -> None:
    """Serve `routers`; every route needs a bearer token unless its router is in `public`."""
    # By identity: routers compare equal when their routes do.
    public_ids = {id(router) for router in public}
    if not public_ids <= {id(router) for router in routers}:
        raise ValueError("a router declared public is not among those served")
    for router in routers:
        dependencies = [] if id(router) in public_ids else [AUTHENTICATED]
        app.include_router(router, dependencies=dependencies)
