"""CSRF protection of the page's forms: a signed double-submit cookie bound to the page.

The browser holds a random value in a ``SameSite=Strict``, ``HttpOnly`` cookie; each
form carries ``HMAC-SHA256(key, page token, cookie value)`` in a hidden field. A
submission is accepted only when the field matches the cookie it arrives with
(compared in constant time), so another site can neither read nor forge the pair.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = ["COOKIE_NAME", "form_token", "is_well_formed", "new_cookie", "verify"]

COOKIE_NAME = "invoicery_csrf"
_COOKIE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_cookie() -> str:
    """A fresh random cookie value (256 bits)."""
    return secrets.token_urlsafe(32)


def is_well_formed(cookie: str | None) -> bool:
    """Whether a cookie value received from a browser looks like one of ours."""
    return cookie is not None and _COOKIE.match(cookie) is not None


def form_token(key: bytes, page_token: str, cookie: str) -> str:
    """The hidden-field value that goes with `cookie` on the page `page_token`."""
    message = f"{page_token}\x00{cookie}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(key: bytes, page_token: str, cookie: str | None, submitted: str | None) -> bool:
    """Whether a submission's hidden field matches its cookie for this page."""
    if not is_well_formed(cookie) or not submitted:
        return False
    assert cookie is not None
    return hmac.compare_digest(form_token(key, page_token, cookie), submitted)
