"""Where e-mails go: a real SMTP server, or .eml files in a directory when none is set.

- `MailTransport`: what sends one message and says how it went (`SendOutcome`).
- `SmtpTransport`: one SMTP connection per message, with aiosmtplib. `smtp://` upgrades
  with STARTTLS when the server offers it; `smtps://` speaks TLS from the first byte.
- `EmlDirectoryTransport`: writes each message as an .eml file, atomically.
- `parse_smtp_url(url)`: `smtp[s]://[user:password@]host[:port]` as an `SmtpServer`.
- `transport_from_url(url, data_dir)`: the SMTP transport for `url`, else the .eml one.
- `describe(transport)`: the start-up log line saying where mail goes (no password).

An outcome is permanent when sending it again cannot help: a 5xx reply, every recipient
refused with a 5xx, or a message that cannot be sent at all. A 4xx reply, a lost or
refused connection and a timeout are temporary. Sending never raises for the network,
and no outcome, log line or error message carries the SMTP password.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Final, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

__all__ = [
    "DEFAULT_TIMEOUT",
    "EmlDirectoryTransport",
    "MailTransport",
    "SendOutcome",
    "SmtpServer",
    "SmtpTransport",
    "describe",
    "parse_smtp_url",
    "transport_from_url",
]

DEFAULT_TIMEOUT: Final = 10.0
OUTBOX: Final = "outbox"
"""The directory under the data directory that .eml files are written to."""

_DETAIL_CHARS: Final = 300
_PORTS: Final = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """How one attempt to send a message went; `detail` is short and safe to log."""

    accepted: bool
    permanent: bool = False
    code: int | None = None
    detail: str = ""


class MailTransport(Protocol):
    """Sends one message; never raises for the network, says how it went instead."""

    async def send(self, message: EmailMessage) -> SendOutcome:
        """Send `message` to its To/Cc/Bcc recipients, from its From address."""
        ...


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """A parsed SMTP URL; the password is left out of the repr."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def display_url(self) -> str:
        """The URL without the password: "smtp://user@host:2525"."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp[s]://[user:password@]host[:port]`, user and password percent-decoded.

    Raises `ValueError` naming what is wrong, never quoting the URL (it may hold a password).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(
            "SMTP URL: cannot read the host and port"
            " (percent-encode '/', '?', '#' and '@' in the user name and password)"
        ) from None
    if parts.scheme not in _PORTS:
        raise ValueError("SMTP URL: the scheme must be smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP URL: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            "SMTP URL: takes no path, query or fragment"
            " (percent-encode '/', '?' and '#' in the user name and password)"
        )
    if port == 0:
        raise ValueError("SMTP URL: port 0 is not a port to connect to")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if username and password is None:
        raise ValueError("SMTP URL: a user name needs a password (user:password@host)")
    if password is not None and not username:
        raise ValueError("SMTP URL: a password needs a user name (user:password@host)")
    return SmtpServer(
        host=parts.hostname,
        port=port or _PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        username=username,
        password=password,
    )


def _short(text: str, secret: str | None) -> str:
    """`text` on one line, at most `_DETAIL_CHARS` long, with `secret` blanked out."""
    if secret:
        text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


class SmtpTransport:
    """Sends each message over its own connection to one SMTP server."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = server
        self.timeout = timeout
        self._tls_context = tls_context

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> SmtpTransport:
        """The transport for `url` (see `parse_smtp_url`); `tls_context` overrides the CAs."""
        return cls(parse_smtp_url(url), timeout=timeout, tls_context=tls_context)

    def _client(self) -> aiosmtplib.SMTP:
        server = self.server
        return aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            timeout=self.timeout,
            use_tls=server.implicit_tls,
            start_tls=False if server.implicit_tls else None,
            tls_context=self._tls_context,
        )

    async def send(self, message: EmailMessage) -> SendOutcome:
        """Connect, (STARTTLS,) log in if configured, send `message`, say how it went."""
        secret = self.server.password
        try:
            async with self._client() as client:
                refused, reply = await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [each.code for each in error.recipients]
            worst = max(codes, default=None)
            listed = "; ".join(
                f"{each.recipient}: {each.code} {each.message}" for each in error.recipients
            )
            return SendOutcome(
                accepted=False,
                permanent=worst is not None and worst >= 500,
                code=worst,
                detail=_short(f"every recipient refused ({listed})", secret),
            )
        except aiosmtplib.SMTPResponseException as error:
            return SendOutcome(
                accepted=False,
                permanent=500 <= error.code < 600,
                code=error.code,
                detail=_short(f"{error.code} {error.message}", secret),
            )
        except (aiosmtplib.SMTPTimeoutError, TimeoutError):
            return SendOutcome(accepted=False, detail=f"no answer within {self.timeout:g} s")
        except aiosmtplib.SMTPNotSupported as error:
            return SendOutcome(accepted=False, permanent=True, detail=_short(str(error), secret))
        except (aiosmtplib.SMTPException, OSError) as error:
            text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return SendOutcome(accepted=False, detail=_short(text, secret))
        except ValueError as error:  # no From or no recipients: sending again cannot help
            return SendOutcome(accepted=False, permanent=True, detail=_short(str(error), secret))
        if refused:
            listed = "; ".join(f"{who}: {answer.code}" for who, answer in refused.items())
            return SendOutcome(
                accepted=True, code=250, detail=_short(f"{reply} (refused: {listed})", secret)
            )
        return SendOutcome(accepted=True, code=250, detail=_short(reply, secret))


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _file_stem(message: EmailMessage, now: datetime) -> str:
    """`<UTC timestamp>-<Message-ID made file-name safe>`."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    safe = _UNSAFE_NAME.sub("_", message_id).strip("._")[:100] or uuid.uuid4().hex
    return f"{stamp}-{safe}"


class EmlDirectoryTransport:
    """Writes each message to `directory` as an .eml file instead of sending it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{_file_stem(message, datetime.now(UTC))}.eml"
        data = message.as_bytes(policy=policy.SMTP)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    async def send(self, message: EmailMessage) -> SendOutcome:
        """Write `message` as `<timestamp>-<message-id>.eml` (temporary name, then rename)."""
        try:
            path = await asyncio.to_thread(self._write, message)
        except OSError as error:
            return SendOutcome(accepted=False, detail=_short(f"cannot write: {error}", None))
        return SendOutcome(accepted=True, detail=f"written to {path}")


def transport_from_url(
    url: str | None, data_dir: Path, *, timeout: float = DEFAULT_TIMEOUT
) -> MailTransport:
    """SMTP to `url` if one is set, else .eml files under `data_dir`/outbox."""
    if url is None or not url.strip():
        return EmlDirectoryTransport(data_dir / OUTBOX)
    return SmtpTransport.from_url(url, timeout=timeout)


def describe(transport: MailTransport) -> str:
    """One log line saying where mail goes, without the password."""
    if isinstance(transport, SmtpTransport):
        server = transport.server
        how = "implicit TLS" if server.implicit_tls else "STARTTLS when offered"
        return f"mail: SMTP {server.display_url()} ({how})"
    if isinstance(transport, EmlDirectoryTransport):
        return (
            f"mail: no SMTP configured; messages are written as .eml files to {transport.directory}"
        )
    return f"mail: {type(transport).__name__}"
