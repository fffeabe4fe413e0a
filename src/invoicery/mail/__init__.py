"""Invoice e-mails: messages built from editable templates, sent over SMTP or kept as .eml."""

from invoicery.mail.locales import SUPPORTED, choose_language
from invoicery.mail.messages import InvoiceMail, MailKind, build_message
from invoicery.mail.transport import (
    EmlDirectoryTransport,
    MailTransport,
    SendOutcome,
    SmtpTransport,
    describe,
    transport_from_url,
)

__all__ = [
    "SUPPORTED",
    "EmlDirectoryTransport",
    "InvoiceMail",
    "MailKind",
    "MailTransport",
    "SendOutcome",
    "SmtpTransport",
    "build_message",
    "choose_language",
    "describe",
    "transport_from_url",
]
