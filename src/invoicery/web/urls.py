"""The one place that builds the URLs of hosted payment pages and signed PDF downloads.

The routes declare their paths with these same functions (``page_path`` under
`PAGES_PREFIX`, ``download_path("{account_id}", "{invoice_id}")``), so a link cannot
drift from the route it points at.
"""

from __future__ import annotations

from invoicery.config import Settings

__all__ = ["PAGES_PREFIX", "download_path", "page_path", "page_url"]

PAGES_PREFIX = "/pay"


def page_path(token: str) -> str:
    """The path of the payment page for `token`."""
    return f"{PAGES_PREFIX}/{token}"


def page_url(settings: Settings, token: str) -> str:
    """The absolute URL of the payment page for `token`."""
    return settings.resolved_public_url() + page_path(token)


def download_path(account_id: str, invoice_id: str) -> str:
    """The path of the signed download of an invoice (ids in their text form)."""
    return f"/downloads/{account_id}/{invoice_id}.pdf"
