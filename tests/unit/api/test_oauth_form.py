"""OAuth endpoints' own split of plain urlencoded bodies equals Starlette's parser."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from starlette.requests import Request

from invoicery.api import oauth_form

_CASES = [
    b"grant_type=client_credentials",
    b"grant_type=client_credentials&scope=invoices%3Aread+customers%3Aread",
    b"client_id=cli_1&client_secret=a-b_c.d~e*f",
    b"a=",
    b"a=1&a=2",
    b"a=%zz",
    b"a=%C3%A9+b",
    b"a=%",
    b"a+b=c%2B",
    b"=1",
    b"a",
    b"a=1&",
    b"&a=1",
    b"a=1;b=2",
    b"",
    b"a=b=c",
    b"a=1&&b=2",
    b"a=\xc3\xa9",
]


def _random_cases() -> list[bytes]:
    alphabet = b"ab=&%+*-._~;2F0 \xc3\xa9c"
    rng = random.Random(1)
    return [bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(2000)]


async def _parsed(body: bytes, parse: Callable[[Request], Awaitable[Any]]) -> object:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/oauth/token",
        "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    try:
        return dict(await parse(Request(scope, receive)))
    except Exception as error:  # the same failure either way
        return type(error).__name__


@pytest.mark.parametrize("body", _CASES)
async def test_a_body_is_read_as_starlette_reads_it(body: bytes) -> None:
    assert await _parsed(body, oauth_form.read_form) == await _parsed(body, lambda r: r.form())


async def test_random_bodies_are_read_as_starlette_reads_them() -> None:
    cases = _random_cases()
    assert sum(1 for body in cases if oauth_form._PLAIN_FORM.fullmatch(body)) > 40  # split here
    for body in cases:
        assert await _parsed(body, oauth_form.read_form) == await _parsed(
            body, lambda r: r.form()
        ), body


async def test_more_fields_than_starlette_takes_are_left_to_it() -> None:
    body = b"&".join(b"f%d=1" % number for number in range(1001))
    assert await _parsed(body, oauth_form.read_form) == await _parsed(body, lambda r: r.form())
