"""The versions of the billing-v1 face: renderings of one domain, chosen per request.

`2026-03` is seed 003 exactly (PascalCase enums); `2026-10` is what the official
`meteroid` 0.30 SDK speaks (SCREAMING_SNAKE enums, today's fields). An API client or key
is pinned to one when created; a request may name another in `Invoicery-Version`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["NEWEST", "OLDEST", "ApiVersion", "parse_api_version"]


class ApiVersion(StrEnum):
    """A dated revision of the billing-v1 wire format."""

    V2026_03 = "2026-03"
    V2026_10 = "2026-10"


OLDEST = ApiVersion.V2026_03
"""The seed's revision: what clients created before versions existed are pinned to."""
NEWEST = ApiVersion.V2026_10
"""What a new client or key is pinned to unless told otherwise."""


def parse_api_version(text: str) -> ApiVersion | None:
    """The version named by `text` (``2026-10``), or None if there is no such version."""
    try:
        return ApiVersion(text.strip())
    except ValueError:
        return None
