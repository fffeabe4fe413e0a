"""A real server at the HTTP edge: a trickled body is cut off in time; bad headers are 4xx.

Raw sockets, because an HTTP client will neither trickle a body nor send a control
character in a header.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

BODY_TIMEOUT = 1.0


@dataclass(frozen=True)
class Answer:
    """A raw HTTP/1.1 response: status, headers (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: bytes


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(body)))
    return Answer(int(status_line.split()[1]), headers, body[:length])


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("edge"),
        {
            "INVOICERY_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
            "INVOICERY_SETTLEMENT_IN_SERVER": "false",
        },
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def token(server: ServerProcess) -> str:
    return server.token(server.create_client(*ALL_SCOPES))


def _trickle(server: ServerProcess, path: str, token: str, give_up_after: float) -> Answer | None:
    """POST a 200-byte JSON body one byte every 0.1 s; the answer, or None if none came.

    While the body trickles, another request must be answered at once.
    """
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    )
    started = time.monotonic()
    checked_others = False
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head.encode())
        raw = b""
        while time.monotonic() - started < give_up_after:
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                chunk = sock.recv(65536)
                raw += chunk
                if not chunk or _complete(raw):
                    break
                continue
            try:
                sock.sendall(b" ")
            except OSError:  # the server closed its side after answering
                continue
            if not checked_others and time.monotonic() - started > BODY_TIMEOUT / 2:
                other = httpx.get(f"{server.base_url}/openapi.json", timeout=2.0)
                assert other.status_code == 200
                checked_others = True
        else:
            return None
        assert checked_others
        answer = _parse(raw)
        if answer.headers.get("connection") == "close":
            sock.settimeout(2.0)
            assert sock.recv(1) == b"", "the server left the connection open"
        return answer


@pytest.mark.parametrize(
    ("path", "code"), [("/customers", "request_timeout"), ("/api/v1/customers", "REQUEST_TIMEOUT")]
)
def test_a_trickled_body_is_answered_408_in_time(
    server: ServerProcess, token: str, path: str, code: str
) -> None:
    started = time.monotonic()
    answer = _trickle(server, path, token, give_up_after=BODY_TIMEOUT + 4)
    elapsed = time.monotonic() - started

    assert answer is not None, "no answer while the body trickled"
    assert answer.status == 408
    assert json.loads(answer.body)["code"] == code
    assert answer.headers["connection"] == "close"
    assert BODY_TIMEOUT - 0.2 < elapsed < BODY_TIMEOUT + 3


def _raw_get(server: ServerProcess, path: str, authorization: bytes) -> Answer:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
        + b"Authorization: "
        + authorization
        + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    return _parse(raw)


@pytest.mark.parametrize("authorization", [b"Bearer a\x00b", b"Bearer a\x01b", b"Bearer \x7f"])
@pytest.mark.parametrize("path", ["/invoices", "/api/v1/invoices"])
def test_control_characters_in_authorization_never_reach_a_5xx(
    server: ServerProcess, authorization: bytes, path: str
) -> None:
    """granian 2.8.7 (hyper 1.12 / httparse 1.10) refuses such a header itself.

    Its answer is a bare 400 with no body and no `server: granian` header, before the app
    runs, and it has no setting to let the header through. Should a later granian pass
    it on, the app answers 401 with its error body (tests/integration/api/test_http_edge.py).
    """
    answer = _raw_get(server, path, authorization)

    if answer.status == 400:
        assert answer.body == b""
        assert "server" not in answer.headers
    else:
        assert answer.status == 401
        assert json.loads(answer.body)["code"] in ("unauthorized", "UNAUTHORIZED")
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(f"{server.base_url}/openapi.json").status_code == 200


def test_a_tab_in_authorization_reaches_the_app_and_is_a_401(server: ServerProcess) -> None:
    answer = _raw_get(server, "/api/v1/invoices", b"Bearer a\tb")
    assert answer.status == 401
    assert json.loads(answer.body)["code"] == "UNAUTHORIZED"
    assert answer.headers["www-authenticate"].startswith('Bearer realm="invoicery"')
