"""Mail sent for real: an aiosmtpd server in this process receives what `SmtpTransport` sends.

The server runs in aiosmtpd's `Controller` thread on 127.0.0.1, on a port the OS picked
(the socket is bound before the controller starts, so no port can be taken meanwhile).
TLS uses a throw-away self-signed certificate made with `openssl req` for 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from invoicery.mail import (
    EmlDirectoryTransport,
    InvoiceMail,
    MailKind,
    SmtpTransport,
    build_message,
    describe,
    transport_from_url,
)
from invoicery.mail.transport import SmtpServer, parse_smtp_url
from tests.support.smtp import BoundController, Received, Recorder

HOST = "127.0.0.1"
USER = "mailer"
PASSWORD = "s3cr:t/p@ss w0rd"
PASSWORD_IN_URL = "s3cr%3At%2Fp%40ss%20w0rd"
PDF = b"%PDF-1.7\nfake invoice\n%%EOF\n"


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept `USER` with `PASSWORD`, nobody else."""
    ok = auth_data == LoginPassword(USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, auth_data=auth_data if ok else None, handled=False)


@pytest.fixture
def start_server() -> Iterator[Callable[..., BoundController]]:
    """Starts SMTP servers (`Controller` keyword arguments) and stops them afterwards."""
    running: list[BoundController] = []

    def start(handler: Recorder, **kwargs: Any) -> BoundController:
        controller = BoundController(handler, **kwargs)
        controller.start()
        running.append(controller)
        return controller

    yield start
    for controller in running:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, valid for a day."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


def invoice_message(*recipients: str) -> EmailMessage:
    mail = InvoiceMail(
        language="en",
        merchant_name="Acme",
        customer_name="Jane Doe",
        recipients=recipients or ("jane@customer.example",),
        invoice_number="INV-000042",
        currency="USD",
        total_minor=123456,
        amount_due_minor=123456,
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        pay_url="https://pay.example/i/1",
        portal_url="https://portal.example/c/1",
        pdf=PDF,
        pdf_filename="INV-000042.pdf",
    )
    return build_message(
        MailKind.INVOICE_ISSUED, mail, sender="Acme Billing <billing@acme.example>"
    )


def url(controller: BoundController, *, scheme: str = "smtp", auth: bool = False) -> str:
    user = f"{USER}:{PASSWORD_IN_URL}@" if auth else ""
    return f"{scheme}://{user}{controller.hostname}:{controller.port}"


def assert_invoice_arrived(received: Received, message: EmailMessage) -> None:
    assert received.mail_from == "billing@acme.example"
    assert received.rcpt_tos == ["jane@customer.example"]
    arrived = received.message()
    assert arrived["Subject"] == "Invoice INV-000042 from Acme"
    assert arrived["Message-ID"] == message["Message-ID"]
    text = arrived.get_body(("plain",))
    assert text is not None
    assert "$1,234.56" in str(text.get_content())
    (attachment,) = list(arrived.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "INV-000042.pdf"
    assert attachment.get_content() == PDF


async def test_a_message_arrives_as_sent(start_server: Callable[..., BoundController]) -> None:
    handler = Recorder()
    controller = start_server(handler)
    message = invoice_message()

    outcome = await SmtpTransport.from_url(url(controller)).send(message)

    assert outcome.accepted
    assert not outcome.permanent
    assert outcome.code == 250
    (received,) = handler.received
    assert_invoice_arrived(received, message)
    assert received.login is None
    assert not received.tls


async def test_the_user_and_password_log_in(start_server: Callable[..., BoundController]) -> None:
    handler = Recorder()
    controller = start_server(handler, authenticator=authenticator, auth_require_tls=False)

    outcome = await SmtpTransport.from_url(url(controller, auth=True)).send(invoice_message())

    assert outcome.accepted, outcome.detail
    (received,) = handler.received
    assert received.login == USER.encode()


async def test_a_wrong_password_is_refused_without_being_repeated(
    start_server: Callable[..., BoundController],
) -> None:
    handler = Recorder()
    controller = start_server(handler, authenticator=authenticator, auth_require_tls=False)
    wrong = url(controller, auth=True).replace(PASSWORD_IN_URL, "wr0ng-Passw0rd")

    outcome = await SmtpTransport.from_url(wrong).send(invoice_message())

    assert not outcome.accepted
    assert outcome.permanent
    assert outcome.code == 535
    assert "wr0ng-Passw0rd" not in outcome.detail
    assert handler.received == []


async def test_starttls_is_used_when_offered(
    start_server: Callable[..., BoundController], certificate: Certificate
) -> None:
    handler = Recorder()
    controller = start_server(
        handler,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
    )
    transport = SmtpTransport.from_url(
        url(controller, auth=True), tls_context=certificate.client_context()
    )
    message = invoice_message()

    outcome = await transport.send(message)

    assert outcome.accepted, outcome.detail
    (received,) = handler.received
    assert received.tls
    assert received.login == USER.encode()
    assert_invoice_arrived(received, message)


async def test_starttls_checks_the_certificate(
    start_server: Callable[..., BoundController], certificate: Certificate
) -> None:
    handler = Recorder()
    controller = start_server(
        handler, tls_context=certificate.server_context(), require_starttls=True
    )

    outcome = await SmtpTransport.from_url(url(controller)).send(invoice_message())

    assert not outcome.accepted
    assert not outcome.permanent
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.detail
    assert handler.received == []


async def test_smtps_speaks_tls_from_the_start(
    start_server: Callable[..., BoundController], certificate: Certificate
) -> None:
    handler = Recorder()
    controller = start_server(handler, ssl_context=certificate.server_context())
    transport = SmtpTransport.from_url(
        url(controller, scheme="smtps"), tls_context=certificate.client_context()
    )
    message = invoice_message()

    outcome = await transport.send(message)

    assert outcome.accepted, outcome.detail
    (received,) = handler.received
    assert_invoice_arrived(received, message)


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 Try again later", False), ("554 5.6.0 Message rejected", True)],
)
async def test_a_refused_message_is_temporary_or_permanent_by_its_code(
    start_server: Callable[..., BoundController], reply: str, permanent: bool
) -> None:
    controller = start_server(Recorder(data_reply=reply))

    outcome = await SmtpTransport.from_url(url(controller)).send(invoice_message())

    assert not outcome.accepted
    assert outcome.permanent is permanent
    assert outcome.code == int(reply[:3])
    assert reply[4:] in outcome.detail


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("450 4.2.1 Mailbox busy, try later", False)],
)
async def test_every_recipient_refused(
    start_server: Callable[..., BoundController], reply: str, permanent: bool
) -> None:
    handler = Recorder(refuse_prefix="", refuse_reply=reply)
    controller = start_server(handler)

    outcome = await SmtpTransport.from_url(url(controller)).send(invoice_message())

    assert not outcome.accepted
    assert outcome.permanent is permanent
    assert outcome.code == int(reply[:3])
    assert "jane@customer.example" in outcome.detail
    assert handler.received == []


async def test_some_recipients_refused_is_still_sent(
    start_server: Callable[..., BoundController],
) -> None:
    handler = Recorder()
    controller = start_server(handler)
    message = invoice_message("jane@customer.example", "nobody@customer.example")

    outcome = await SmtpTransport.from_url(url(controller)).send(message)

    assert outcome.accepted
    assert "nobody@customer.example: 550" in outcome.detail
    (received,) = handler.received
    assert received.rcpt_tos == ["jane@customer.example"]


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never says a word; yields its port."""
    connections: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(accept, HOST, 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    for writer in connections:
        writer.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_times_out(silent_server: int) -> None:
    transport = SmtpTransport.from_url(f"smtp://{HOST}:{silent_server}", timeout=0.3)
    started = time.monotonic()

    outcome = await transport.send(invoice_message())

    assert time.monotonic() - started < 5
    assert not outcome.accepted
    assert not outcome.permanent
    assert outcome.code is None
    assert outcome.detail == "no answer within 0.3 s"


async def test_a_refused_connection_is_temporary_and_keeps_the_password() -> None:
    with socket.create_server((HOST, 0)) as closed:
        port = closed.getsockname()[1]
    transport = SmtpTransport.from_url(f"smtp://{USER}:{PASSWORD_IN_URL}@{HOST}:{port}")

    outcome = await transport.send(invoice_message())

    assert not outcome.accepted
    assert not outcome.permanent
    assert outcome.code is None
    assert outcome.detail
    assert PASSWORD not in outcome.detail
    assert PASSWORD_IN_URL not in outcome.detail


async def test_eml_files_are_written_whole_and_parse_back(tmp_path: Path) -> None:
    outbox = tmp_path / "data" / "outbox"
    transport = EmlDirectoryTransport(outbox)
    first, second = invoice_message(), invoice_message()

    outcomes = [await transport.send(first), await transport.send(second)]

    assert all(outcome.accepted for outcome in outcomes)
    files = sorted(outbox.iterdir())
    assert len(files) == 2  # no temporary files left behind
    for path, outcome in zip(files, outcomes, strict=True):
        assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[A-Za-z0-9._-]+\.eml", path.name)
        assert str(path) in outcome.detail
    ids = set()
    for path in files:
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert parsed["Subject"] == "Invoice INV-000042 from Acme"
        assert parsed["To"] == "jane@customer.example"
        (attachment,) = list(parsed.iter_attachments())
        assert attachment.get_content() == PDF
        ids.add(parsed["Message-ID"])
    assert ids == {first["Message-ID"], second["Message-ID"]}
    assert all(
        re.sub(r"[^A-Za-z0-9._-]+", "_", str(each["Message-ID"]).strip("<>")) in str(files)
        for each in (first, second)
    )


async def test_an_unwritable_outbox_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the directory should be")

    outcome = await EmlDirectoryTransport(blocker).send(invoice_message())

    assert not outcome.accepted
    assert not outcome.permanent
    assert outcome.detail.startswith("cannot write")


@pytest.mark.parametrize("configured", [None, "", "   "])
def test_no_smtp_url_means_eml_files(tmp_path: Path, configured: str | None) -> None:
    transport = transport_from_url(configured, tmp_path)

    assert isinstance(transport, EmlDirectoryTransport)
    assert transport.directory == tmp_path / "outbox"
    assert describe(transport) == (
        f"mail: no SMTP configured; messages are written as .eml files to {tmp_path / 'outbox'}"
    )


@pytest.mark.parametrize(
    ("configured", "expected_server", "line"),
    [
        (
            f"smtp://{USER}:{PASSWORD_IN_URL}@mail.example:2525",
            SmtpServer("mail.example", 2525, False, USER, PASSWORD),
            f"mail: SMTP smtp://{USER}@mail.example:2525 (STARTTLS when offered)",
        ),
        (
            "smtp://mail.example",
            SmtpServer("mail.example", 25, False),
            "mail: SMTP smtp://mail.example:25 (STARTTLS when offered)",
        ),
        (
            f"SMTPS://{USER}:{PASSWORD_IN_URL}@Mail.Example/",
            SmtpServer("mail.example", 465, True, USER, PASSWORD),
            f"mail: SMTP smtps://{USER}@mail.example:465 (implicit TLS)",
        ),
        (
            "smtps://user%40example.com:pw@[2001:db8::1]:4650",
            SmtpServer("2001:db8::1", 4650, True, "user@example.com", "pw"),
            "mail: SMTP smtps://user@example.com@[2001:db8::1]:4650 (implicit TLS)",
        ),
    ],
)
def test_smtp_urls(tmp_path: Path, configured: str, expected_server: SmtpServer, line: str) -> None:
    transport = transport_from_url(configured, tmp_path, timeout=3.5)

    assert isinstance(transport, SmtpTransport)
    assert transport.server == expected_server
    assert transport.timeout == 3.5
    assert describe(transport) == line
    for shown in (describe(transport), repr(transport.server)):
        assert PASSWORD not in shown
        assert PASSWORD_IN_URL not in shown


@pytest.mark.parametrize(
    ("configured", "complaint"),
    [
        ("http://mail.example", "scheme must be smtp:// or smtps://"),
        ("mail.example:25", "scheme must be smtp:// or smtps://"),
        ("smtp://", "no host"),
        (f"smtp://{USER}:{PASSWORD_IN_URL}@:25", "no host"),
        ("smtp://Xy7/secret@mail.example", "percent-encode"),
        ("smtp://user:Xy7/secret@mail.example", "percent-encode"),
        ("smtp://mail.example:99999", "cannot read the host and port"),
        ("smtp://mail.example:0", "port 0"),
        ("smtp://mail.example/relay", "no path, query or fragment"),
        ("smtp://user:Xy7?secret@mail.example", "percent-encode"),
        ("smtp://user:Xy7#secret@mail.example", "percent-encode"),
        ("smtp://user@mail.example", "needs a password"),
        ("smtp://:Xy7secret@mail.example", "needs a user name"),
    ],
)
def test_a_bad_smtp_url_says_what_is_wrong_and_not_the_password(
    tmp_path: Path, configured: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)) as raised:
        transport_from_url(configured, tmp_path)
    assert "Xy7" not in str(raised.value)
    assert "secret" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ or raised.value.__context__ is None


def test_parse_smtp_url_decodes_the_password() -> None:
    server = parse_smtp_url(f"smtp://{USER}:{PASSWORD_IN_URL}@{HOST}:2525")
    assert (server.username, server.password) == (USER, PASSWORD)
    assert PASSWORD not in repr(server)
