"""The one place that builds the URLs of hosted pages and signed PDF and XML downloads.

The routes declare their paths with these same functions (``page_path`` under
`PAGES_PREFIX`, ``portal_path`` under `PORTAL_PREFIX`,
``download_path("{account_id}", "{invoice_id}")`` and ``xml_download_path``), so a link
cannot drift from the route it points at.
"""

from __future__ import annotations

from invoicery.config import Settings

__all__ = [
    "PAGES_PREFIX",
    "PORTAL_PREFIX",
    "download_path",
    "page_path",
    "page_url",
    "portal_path",
    "portal_pay_path",
    "portal_url",
    "xml_download_path",
]

PAGES_PREFIX = "/pay"
PORTAL_PREFIX = "/portal"


def page_path(token: str) -> str:
    """The path of the payment page for `token`."""
    return f"{PAGES_PREFIX}/{token}"


def page_url(settings: Settings, token: str) -> str:
    """The absolute URL of the payment page for `token`."""
    return settings.resolved_public_url() + page_path(token)


def download_path(account_id: str, invoice_id: str) -> str:
    """The path of the signed download of an invoice (ids in their text form)."""
    return f"/downloads/{account_id}/{invoice_id}.pdf"


def xml_download_path(account_id: str, invoice_id: str) -> str:
    """The path of the signed download of an invoice's e-invoice XML."""
    return f"/downloads/{account_id}/{invoice_id}.xml"


def portal_path(token: str) -> str:
    """The path of the customer portal for `token`."""
    return f"{PORTAL_PREFIX}/{token}"


def portal_pay_path(token: str, invoice_id: str) -> str:
    """The portal's path that sends its customer on to an invoice's payment page."""
    return f"{portal_path(token)}/pay/{invoice_id}"


def portal_url(settings: Settings, token: str | None = None) -> str:
    """The absolute URL of the customer portal for `token`; without one, the portal's base."""
    base = settings.resolved_public_url()
    return base + (PORTAL_PREFIX if token is None else portal_path(token))
