"""What a payer sends on the hosted payment page, for tests that pay without a browser."""

from __future__ import annotations

import re

__all__ = ["bank_form"]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def bank_form(page_html: str) -> dict[str, str]:
    """The bank-debit form of a payment page, filled in, with the page's CSRF token."""
    found = _CSRF.search(page_html)
    assert found is not None, page_html[:300]
    return {
        "csrf_token": found.group(1),
        "name": "Ada Lovelace",
        "routing": "110000000",
        "account": "000123456789",
        "account_type": "checking",
    }
