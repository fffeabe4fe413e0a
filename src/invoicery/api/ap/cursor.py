"""Opaque list cursors in the vendor's shape: base64 of a msgpack map {"i": <uuid bytes>}."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

import msgpack

__all__ = ["InvalidCursor", "decode_cursor", "encode_cursor"]


class InvalidCursor(ValueError):
    """The text is not a cursor this server issued."""


def encode_cursor(row_id: UUID) -> str:
    """The cursor pointing at the row with this id."""
    return base64.b64encode(msgpack.packb({"i": row_id.bytes})).decode()


def decode_cursor(text: str) -> UUID:
    """The row id inside a cursor, or `InvalidCursor`."""
    try:
        raw = base64.b64decode(text, validate=True)
        payload = msgpack.unpackb(raw, strict_map_key=True)
    except (
        binascii.Error,
        ValueError,
        msgpack.ExtraData,
        msgpack.FormatError,
        msgpack.StackError,
        TypeError,
    ):
        raise InvalidCursor(text) from None
    value = payload.get("i") if isinstance(payload, dict) else None
    if not isinstance(value, bytes) or len(value) != 16 or len(payload) != 1:
        raise InvalidCursor(text)
    return UUID(bytes=value)
