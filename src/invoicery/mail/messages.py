"""The e-mails Invoicery sends about an invoice, built as ready-to-send `EmailMessage`s.

- `MailKind`: invoice issued; reminders before, on and after the due date; payment receipt.
- `InvoiceMail`: what every kind needs to know about the invoice, its merchant and customer.
- `build_message(kind, mail, sender=...)`: the message: a plain-text and an HTML part
  (text first), the PDF attached when given, a fresh Message-ID and Date.
- `contrast(first, second)`: the WCAG contrast ratio of two "#rrggbb" colours.

The layout is in `templates/` (one .html and one .txt per kind, one pair for the three
reminders), the words in
`catalogue.py`. The HTML carries its styles inline and loads nothing from anywhere (no
images, style sheets, fonts or scripts), so it reads the same in every mail client.
Names and numbers are put on one line before they reach a header, so no value can
start a header of its own; an address with a line break is refused with `ValueError`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Final

from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from invoicery.mail.catalogue import CATALOGUES
from invoicery.mail.locales import SUPPORTED, format_day, format_money

__all__ = ["DEFAULT_BRAND_COLOR", "InvoiceMail", "MailKind", "build_message", "contrast"]

DEFAULT_BRAND_COLOR: Final = "#1e407c"
"""A dark blue with a contrast of about 10:1 against white (WCAG AA asks for 4.5:1)."""

_WHITE: Final = "#ffffff"
_INK: Final = "#111827"
_AA_CONTRAST: Final = 4.5
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_FILE_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\"]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_FALLBACK_DOMAIN: Final = "invoicery.invalid"

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


class MailKind(enum.Enum):
    """Which e-mail to build; the value names its templates and catalogue keys."""

    INVOICE_ISSUED = "invoice_issued"
    REMINDER_BEFORE_DUE = "reminder_before_due"
    REMINDER_DUE_TODAY = "reminder_due_today"
    REMINDER_OVERDUE = "reminder_overdue"
    PAYMENT_RECEIPT = "payment_receipt"


_REMINDERS: Final = frozenset(
    {MailKind.REMINDER_BEFORE_DUE, MailKind.REMINDER_DUE_TODAY, MailKind.REMINDER_OVERDUE}
)


def _is_web_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and _CONTROL.search(url) is None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceMail:
    """What an invoice e-mail says; amounts are minor units of `currency`.

    `language` is one of `locales.SUPPORTED` (see `locales.choose_language`);
    `brand_color` is "#rrggbb" or None for `DEFAULT_BRAND_COLOR`; an empty
    `pdf_filename` means "<invoice number>.pdf".
    """

    language: str
    merchant_name: str
    customer_name: str
    recipients: tuple[str, ...]
    invoice_number: str
    currency: str
    total_minor: int
    amount_due_minor: int
    issue_date: date
    due_date: date | None = None
    brand_color: str | None = None
    pay_url: str | None = None
    portal_url: str | None = None
    pdf: bytes | None = None
    pdf_filename: str = ""
    xml: bytes | None = None  # an XRechnung e-invoice, attached beside the PDF
    xml_filename: str = ""

    def __post_init__(self) -> None:
        if self.language not in SUPPORTED:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED)}")
        if self.brand_color is not None and _COLOR.fullmatch(self.brand_color) is None:
            raise ValueError("brand_color must be a colour written #rrggbb")
        for name in ("pay_url", "portal_url"):
            url = getattr(self, name)
            if url is not None and not _is_web_url(url):
                raise ValueError(f"{name} must be an http(s) URL on one line")
        if not self.recipients:
            raise ValueError("an e-mail needs at least one recipient")
        for recipient in self.recipients:
            _check_address(recipient, "recipient")


def _check_address(address: str, what: str) -> None:
    """Refuse an address that would break its header or names no mailbox."""
    if _CONTROL.search(address):
        raise ValueError(f"{what} address contains a line break or control character")
    if "@" not in parseaddr(address)[1]:
        raise ValueError(f"{what} address is not an e-mail address")


def _one_line(text: str) -> str:
    """`text` with line breaks and control characters turned into single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _luminance(color: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""

    def linear(channel: str) -> float:
        value = int(channel, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(color[index : index + 2]) for index in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _attachment_name(mail: InvoiceMail) -> str:
    name = _FILE_NAME_UNSAFE.sub("_", mail.pdf_filename).strip(" ._")
    if name:
        return name
    number = _FILE_NAME_UNSAFE.sub("_", _one_line(mail.invoice_number)).strip(" ._")
    return f"{number or 'invoice'}.pdf"


@dataclass(frozen=True, slots=True)
class _Words:
    """The catalogue of one language with the message's values filled in."""

    catalogue: Mapping[str, str]
    values: Mapping[str, object]
    locale: Locale

    def __call__(self, key: str, count: int | None = None) -> str:
        if count is not None and key not in self.catalogue:  # the key has plural forms
            form = f"{key}.{self.locale.plural_form(count)}"
            key = form if form in self.catalogue else f"{key}.other"
        return self.catalogue[key].format_map(self.values)


def _check_arguments(
    kind: MailKind, mail: InvoiceMail, days: int, paid_minor: int | None, paid_at: date | None
) -> None:
    if kind in _REMINDERS and mail.due_date is None:
        raise ValueError(f"{kind.value} needs the invoice's due_date")
    if days < 0:
        raise ValueError("days counts days before or after the due date and cannot be negative")
    if kind is MailKind.PAYMENT_RECEIPT and (paid_minor is None or paid_at is None):
        raise ValueError("payment_receipt needs paid_minor and paid_at")


def build_message(
    kind: MailKind,
    mail: InvoiceMail,
    *,
    sender: str,
    days: int = 0,
    paid_minor: int | None = None,
    paid_at: date | None = None,
) -> EmailMessage:
    """The `kind` e-mail about `mail`'s invoice, from `sender`, ready to send.

    `days` is how many days before (REMINDER_BEFORE_DUE) or after (REMINDER_OVERDUE)
    the due date; `paid_minor` and `paid_at` are the payment a PAYMENT_RECEIPT confirms.
    """
    _check_arguments(kind, mail, days, paid_minor, paid_at)
    _check_address(sender, "sender")
    language = mail.language
    merchant = _one_line(mail.merchant_name)
    customer = _one_line(mail.customer_name)
    attachment = _attachment_name(mail) if mail.pdf is not None else None

    def money(minor: int | None) -> str:
        return "" if minor is None else format_money(minor, mail.currency, language)

    def day(value: date | None) -> str:
        return "" if value is None else format_day(value, language)

    values: dict[str, object] = {
        "merchant": merchant,
        "customer": customer,
        "number": _one_line(mail.invoice_number),
        "amount": money(mail.amount_due_minor),
        "total": money(mail.total_minor),
        "paid": money(paid_minor),
        "issue_date": day(mail.issue_date),
        "due_date": day(mail.due_date),
        "paid_at": day(paid_at),
        "days": days,
        "filename": attachment or "",
    }
    words = _Words(CATALOGUES[language], values, Locale.parse(language))
    subject = _one_line(words(f"subject.{kind.value}"))
    brand = (mail.brand_color or DEFAULT_BRAND_COLOR).lower()
    context = {
        **values,
        "t": words,
        "kind": kind.value,
        "language": language,
        "subject": subject,
        "greeting": words("greeting") if customer else words("greeting.anonymous"),
        "brand": brand,
        "on_brand": _WHITE if contrast(brand, _WHITE) >= contrast(brand, _INK) else _INK,
        "link": brand if contrast(brand, _WHITE) >= _AA_CONTRAST else DEFAULT_BRAND_COLOR,
        "pay_url": mail.pay_url,
        "portal_url": mail.portal_url,
        "attachment": attachment,
        "balance_left": mail.amount_due_minor > 0,
    }
    template = "reminder" if kind in _REMINDERS else kind.value
    text = _environment.get_template(f"{template}.txt").render(context)
    html = _environment.get_template(f"{template}.html").render(context)

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or _FALLBACK_DOMAIN
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_BLANK_LINES.sub("\n\n", text).strip() + "\n", cte="quoted-printable")
    message.add_alternative(html.strip() + "\n", subtype="html", cte="quoted-printable")
    if mail.pdf is not None and attachment is not None:
        message.add_attachment(mail.pdf, maintype="application", subtype="pdf", filename=attachment)
    if mail.xml is not None:
        name = _FILE_NAME_UNSAFE.sub("_", mail.xml_filename).strip(" ._") or "invoice.xml"
        message.add_attachment(mail.xml, maintype="application", subtype="xml", filename=name)
    message["Content-Language"] = language  # after the parts: set_content drops Content-*
    return message
