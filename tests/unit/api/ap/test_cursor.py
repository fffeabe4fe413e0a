"""Opaque cursors in the vendor's msgpack shape."""

from __future__ import annotations

import base64
import uuid

import msgpack
import pytest

from invoicery.api.ap.cursor import InvalidCursor, decode_cursor, encode_cursor


def test_the_vendor_example_cursor_decodes() -> None:
    value = decode_cursor("gaFpxBACEaXBVABEYbHG+X9LyLnH")
    assert value == uuid.UUID("0211a5c1-5400-4461-b1c6-f97f4bc8b9c7")


def test_round_trip() -> None:
    value = uuid.uuid4()
    assert decode_cursor(encode_cursor(value)) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64!",
        "gaFpxBACEaXBVABEYbHG",
        base64.b64encode(b"\xff\xff").decode(),
        base64.b64encode(msgpack.packb({"i": b"short"})).decode(),
        base64.b64encode(msgpack.packb({"x": uuid.uuid4().bytes})).decode(),
        base64.b64encode(msgpack.packb([1, 2])).decode(),
        base64.b64encode(msgpack.packb({"i": uuid.uuid4().bytes, "j": 1})).decode(),
        base64.b64encode(msgpack.packb({"i": uuid.uuid4().bytes}) + b"x").decode(),
    ],
)
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(text)
