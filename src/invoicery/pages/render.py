"""HTML rendering with Jinja2 (autoescaped) and the page's security headers.

Every page response carries a strict Content-Security-Policy: nothing may load
except the one inline stylesheet marked with this response's nonce, forms may post
only to this origin, and no other site may frame the page.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

__all__ = ["page_response", "redirect", "security_headers"]

_TEMPLATES = Path(__file__).with_name("templates")
_environment = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def security_headers(nonce: str) -> dict[str, str]:
    """Headers every page response carries."""
    policy = (
        "default-src 'none'; "
        f"style-src 'nonce-{nonce}'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; "
        "base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def page_response(
    template: str, context: Mapping[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render `template` with a fresh CSP nonce and the security headers."""
    nonce = secrets.token_urlsafe(16)
    html = _environment.get_template(template).render(**context, nonce=nonce)
    return HTMLResponse(html, status_code=status_code, headers=security_headers(nonce))


def redirect(url: str) -> Response:
    """A 303 See Other to `url` (after a successful POST), with the security headers."""
    return RedirectResponse(
        url, status_code=303, headers=security_headers(secrets.token_urlsafe(16))
    )
