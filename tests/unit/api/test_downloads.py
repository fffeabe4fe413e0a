"""A cached PDF goes out by path where the server offers zero-copy sending, else as bytes."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

from invoicery.api.downloads import FileBody
from invoicery.documents.files import CachedFile


async def _sent(scope: dict[str, Any], file: CachedFile) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the response reads nothing")

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(dict(message))

    response = FileBody(file, media_type="application/pdf", headers={"ETag": '"v1"'})
    await response(scope, receive, send)
    return messages


@pytest.fixture
def pdf_file(tmp_path: Path) -> CachedFile:
    path = tmp_path / "1.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    return CachedFile(path, 13)


async def test_the_path_is_sent_when_the_server_offers_pathsend(pdf_file: CachedFile) -> None:
    scope = {"type": "http", "method": "GET", "extensions": {"http.response.pathsend": {}}}
    start, body = await _sent(scope, pdf_file)
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"content-length"] == b"13"
    assert headers[b"content-type"] == b"application/pdf"
    assert headers[b"etag"] == b'"v1"'
    assert body == {"type": "http.response.pathsend", "path": str(pdf_file.path)}


async def test_the_bytes_are_sent_otherwise(pdf_file: CachedFile) -> None:
    start, body = await _sent({"type": "http", "method": "GET"}, pdf_file)
    assert dict(start["headers"])[b"content-length"] == b"13"
    assert body == {"type": "http.response.body", "body": b"%PDF-1.4 test"}
