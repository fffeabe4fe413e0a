"""The composition root: both wire formats and the hosted pages over one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from invoicery import __version__
from invoicery.api import billing_download, downloads
from invoicery.api.ap import customers as ap_customers
from invoicery.api.ap import invoices as ap_invoices
from invoicery.api.ap import links as ap_links
from invoicery.api.ap import notifications as ap_notifications
from invoicery.api.ap import oauth
from invoicery.api.ap import payments as ap_payments
from invoicery.api.ap import pdf_link as ap_pdf_link
from invoicery.api.ap import portal as ap_portal
from invoicery.api.ap import webhook_render as ap_webhook_render
from invoicery.api.ap import webhooks as ap_webhooks
from invoicery.api.ap import xml_link as ap_xml_link
from invoicery.api.ap.errors import render_http_error
from invoicery.api.billing import oauth as billing_oauth
from invoicery.api.billing import routes as billing
from invoicery.api.billing import versions as billing_versions
from invoicery.api.billing import webhook_render as billing_webhook_render
from invoicery.api.billing import webhooks as billing_webhooks
from invoicery.api.billing.versions import VersionHeaderMiddleware
from invoicery.api.openapi import FaceVersions, install_openapi
from invoicery.auth.principals import PrincipalCache, listening
from invoicery.config import Settings
from invoicery.domain.api_versions import NEWEST
from invoicery.logs import ensure_configured
from invoicery.pages import portal as portal_pages
from invoicery.pages import routes as pages
from invoicery.pages.errors import render_page_error
from invoicery.payments.registry import create_processor
from invoicery.runtime import tune_garbage_collector, tune_thread_switching
from invoicery.store.database import Database
from invoicery.store.migrate import head_revision
from invoicery.web import health
from invoicery.web.allow import install_allow
from invoicery.web.body_limit import BodyLimitMiddleware
from invoicery.web.errors import install_error_handlers
from invoicery.web.idempotency import IdempotencyMiddleware
from invoicery.web.mail_links import ServerLinks
from invoicery.web.observe import ObserveMiddleware
from invoicery.web.rate_limit import install_rate_limits, readiness_check
from invoicery.web.routing import include_routers
from invoicery.web.text_policy import StorableTextMiddleware
from invoicery.web.urls import PAGES_PREFIX, PORTAL_PREFIX
from invoicery.webhooks.bodies import Renderers
from invoicery.worker import in_background

__all__ = ["PUBLIC_ROUTERS", "create_app", "webhook_renderers"]

AP_FACE = (
    oauth.router,
    ap_invoices.router,
    ap_customers.router,
    ap_links.router,
    ap_payments.router,
    ap_notifications.router,
    ap_pdf_link.router,
    ap_xml_link.router,
    ap_portal.router,
    ap_webhooks.router,
    downloads.router,
)
BILLING_FACE = (
    billing_download.router,
    billing_oauth.router,
    billing.router,
    billing_webhooks.router,
)

# Served without a bearer token, each on its own authority: client credentials, a
# signed link, an unguessable page token. Every other router needs a token on every
# route. The OpenAPI documents and their docs pages, routes of the app itself rather
# than of a router, are public too.
PUBLIC_ROUTERS = (
    oauth.router,
    billing_oauth.router,
    downloads.router,
    pages.router,
    portal_pages.router,
    health.router,  # /health, /ready, /metrics: for the operator's probes and scraper
)


def webhook_renderers() -> Renderers:
    """What each face puts in a webhook body: the event's subject as that face renders it."""
    return Renderers(
        ap_data=ap_webhook_render.event_data, v1_fields=billing_webhook_render.event_fields
    )


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the application; `database` lets tests share an engine."""
    settings = settings or Settings()
    db = database or Database(settings.resolved_database_url(), pool_size=settings.db_pool_size)
    processor = create_processor(settings.payment_processor)
    renderers = webhook_renderers()
    principals = PrincipalCache()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ensure_configured(settings.log_format)
        tune_garbage_collector()
        tune_thread_switching()
        async with listening(db, principals):
            if settings.settlement_in_server:
                async with in_background(
                    db, processor, settings, renderers=renderers, links=ServerLinks(_app.state)
                ):
                    yield
            else:
                yield
        _app.state.rate_limiter.close()
        if database is None:
            await db.dispose()

    app = FastAPI(
        title="Invoicery",
        version=__version__,
        description="Invoicing API: the Alternative Payments Invoices API at the root.",
        lifespan=lifespan,
        # No redirect to the slash-less path: the redirect's Location is built from the
        # request's Host header, so a forged Host turned signed links into open redirects.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.processor = processor
    app.state.principals = principals  # bearer tokens' principals, while revocations are heard
    # Readiness checks of other parts go in app.state.operations.extra_checks.
    app.state.operations = health.Operations(db=db, head=head_revision(), metrics=settings.metrics)
    renderer = install_error_handlers(
        app,
        {
            "/": render_http_error,
            "/oauth/": oauth.render_token_error,
            f"{PAGES_PREFIX}/": render_page_error,
            f"{PORTAL_PREFIX}/": render_page_error,
            billing.PREFIX: billing.render_rest_error,
            f"{billing.PREFIX}/oauth/": billing_oauth.render_oauth_error,
        },
    )
    install_allow(app, renderer)
    # Added before (so inside) the body limit: it reads keyed requests' bodies whole.
    app.add_middleware(IdempotencyMiddleware, db=db, renderer=renderer, principals=principals)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_seconds=settings.body_timeout_seconds,
    )
    app.add_middleware(StorableTextMiddleware, renderer=renderer)
    # Outside idempotency (a refused request uses no key), inside observation (429s are
    # logged and counted like any answer).
    limiter = install_rate_limits(app, settings, db, renderer)
    app.state.operations.extra_checks.append(readiness_check(limiter))
    install_openapi(
        app,
        root=AP_FACE,
        face_prefix=billing.PREFIX,
        face_title="Invoicery billing v1",
        face_description="The billing v1 API (seed 003): page-numbered lists, rich invoices.",
        face=BILLING_FACE,
        face_versions=FaceVersions(
            {version.value: models for version, models in billing_versions.SCHEMAS.items()},
            {version.value: found for version, found in billing_versions.PARAMETERS.items()},
            default=NEWEST.value,
        ),
    )
    served = (*AP_FACE, *BILLING_FACE, pages.router, portal_pages.router, health.router)
    # The PDF download first: FastAPI matches a path against every route of each included
    # router in turn, and behind the AP face (none of whose routes can match under
    # /api/v1) that cost a fifth of a cached download's CPU.
    first = billing_download.router
    include_routers(
        app, (first, *(router for router in served if router is not first)), public=PUBLIC_ROUTERS
    )
    # Outside every refusal (429, 413, idempotency's replays), so each answer names its version.
    app.add_middleware(VersionHeaderMiddleware, prefix=billing.PREFIX, renderer=renderer)
    # Added last, so outermost: it times, ids and logs everything inside it.
    app.add_middleware(ObserveMiddleware, db=db, metrics=settings.metrics)
    return app
