"""Where webhooks may go: http(s) URLs whose every address is public (an SSRF guard).

`check_url` is for validating a URL when an endpoint is registered. The real guard is
`guarded_transport`: an httpx transport whose connections resolve the host themselves,
refuse it when any of its addresses is loopback, link-local, private, unspecified,
multicast or otherwise not global (IPv4-mapped IPv6 judged by its IPv4 address), and
connect to the checked address; so a name that resolves differently a second later (DNS
rebinding) cannot slip through. Redirects are never followed by the sender.
``INVOICERY_WEBHOOK_ALLOW_PRIVATE=true`` turns the address check off (development, tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

__all__ = [
    "Resolver",
    "TargetRefused",
    "address_refusal",
    "check_url",
    "guarded_transport",
    "resolve",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class TargetRefused(httpcore.ConnectError):
    """The webhook target is not an http(s) URL or not a public address."""


def check_url(url: str) -> None:
    """Raise `TargetRefused` unless `url` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        raise TargetRefused(f"not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("the URL must start with http:// or https://")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL must not carry credentials")
    try:
        httpx.URL(url)  # what the sender will parse: an IDNA-invalid host fails here
    except httpx.InvalidURL as error:
        raise TargetRefused(f"not a valid URL: {error}") from error


def address_refusal(text: str) -> str | None:
    """Why deliveries to the address `text` are refused, or None for a public address."""
    address: IPAddress = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, is_kind in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if is_kind:
            return f"{address} is a {kind} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, for TCP."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusals(addresses: Iterable[str]) -> list[str]:
    return [reason for address in addresses if (reason := address_refusal(address))]


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses of the host it is asked for."""

    def __init__(self, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolve = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from error
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        refusals = _refusals(addresses)
        if refusals:
            raise TargetRefused(f"refused {host}: {'; '.join(refusals)}")
        last: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as failed:
                last = failed
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks are not delivered to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    *, allow_private: bool, resolver: Resolver = resolve
) -> httpx.AsyncHTTPTransport:
    """An httpx transport for webhooks; refuses non-public addresses unless `allow_private`."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    if not allow_private:
        # httpx 0.28 takes no network backend, so the pool it built is replaced by an
        # equal one (same TLS defaults) that connects through the guard.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_GuardedBackend(resolver),
        )
    return transport
