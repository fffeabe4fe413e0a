"""A real SMTP server in-process (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: bytes | None
    tls: bool

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """An aiosmtpd handler keeping what arrives; it can refuse recipients or the data."""

    data_reply: str = "250 OK"
    refuse_prefix: str = "nobody"
    refuse_reply: str = "550 5.1.1 No such user"
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith(self.refuse_prefix):
            return self.refuse_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if not self.data_reply.startswith("250"):
            return self.data_reply
        auth = session.auth_data
        content = envelope.original_content or b""
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                content=content,
                login=auth.login if isinstance(auth, LoginPassword) else None,
                tls=session.ssl is not None,
            )
        )
        return self.data_reply


class BoundController(Controller):
    """A `Controller` serving on a socket bound beforehand (port 0: the OS picks)."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._socket = socket.create_server((HOST, 0))
        port = self._socket.getsockname()[1]
        super().__init__(handler, hostname=HOST, port=port, **kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(
            self._factory_invoker, sock=self._socket, ssl=self.ssl_context
        )


@contextmanager
def smtp_server(handler: Recorder | None = None, **kwargs: Any) -> Iterator[BoundController]:
    """An SMTP server on loopback for the duration of the block; its handler records mail."""
    controller = BoundController(handler or Recorder(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
