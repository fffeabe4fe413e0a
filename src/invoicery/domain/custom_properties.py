"""User-defined custom property values: a JSON object of small size, merged key by key.

A change sets each key it names to the value given; a `None` value removes the key.
The result is capped (`MAX_PROPERTIES` keys of at most `MAX_KEY_LENGTH` characters,
`MAX_BYTES` of JSON), so that a stored invoice or customer stays small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from invoicery.domain.errors import InvalidInput

__all__ = ["MAX_BYTES", "MAX_KEY_LENGTH", "MAX_PROPERTIES", "merged"]

MAX_PROPERTIES = 50
MAX_KEY_LENGTH = 100
MAX_BYTES = 16 * 1024
_FIELD = "custom_properties"


def merged(current: Mapping[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    """`current` with `changes` applied (`None` removes a key); `InvalidInput` if too large."""
    result = dict(current)
    for key, value in changes.items():
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(
                "invalid custom properties",
                {_FIELD: f"keys must be 1 to {MAX_KEY_LENGTH} characters long"},
            )
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    if len(result) > MAX_PROPERTIES:
        raise InvalidInput(
            "invalid custom properties", {_FIELD: f"at most {MAX_PROPERTIES} properties"}
        )
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":"), default=str).encode())
    if size > MAX_BYTES:
        raise InvalidInput("invalid custom properties", {_FIELD: f"at most {MAX_BYTES} bytes"})
    return result
