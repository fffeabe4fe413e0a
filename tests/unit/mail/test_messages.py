"""Every kind of invoice e-mail in every language: parts, words, amounts, links, safety."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any

import pytest

from invoicery.mail.catalogue import CATALOGUES
from invoicery.mail.locales import SUPPORTED
from invoicery.mail.messages import (
    DEFAULT_BRAND_COLOR,
    InvoiceMail,
    MailKind,
    build_message,
    contrast,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
SENDER = "Acme Billing <billing@acme.example>"
PAY_URL = "https://pay.example/i/abc?token=x1&lang=de"
PORTAL_URL = "https://portal.example/c/42"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nnot really a pdf\n%%EOF\n"

AMOUNT = {"en": "€1,234.56", "de": f"1.234,56{NBSP}€", "fr": f"1{NNBSP}234,56{NBSP}€"}
DUE = {"en": "March 31, 2026", "de": "31. März 2026", "fr": "31 mars 2026"}
PAID_AT = {"en": "March 20, 2026", "de": "20. März 2026", "fr": "20 mars 2026"}
SUBJECTS = {
    (MailKind.INVOICE_ISSUED, "en"): "Invoice INV-000042 from Acme",
    (MailKind.INVOICE_ISSUED, "de"): "Rechnung INV-000042 von Acme",
    (MailKind.INVOICE_ISSUED, "fr"): "Facture INV-000042 de Acme",
    (MailKind.REMINDER_DUE_TODAY, "de"): "Rechnung INV-000042 von Acme ist heute fällig",
    (MailKind.REMINDER_OVERDUE, "fr"): "En retard : facture INV-000042 de Acme",
}


def invoice_mail(**changes: Any) -> InvoiceMail:
    """An invoice of 1,234.56 EUR, all due, with every optional part present."""
    values: dict[str, Any] = {
        "language": "en",
        "merchant_name": "Acme",
        "customer_name": "Jane Doe",
        "recipients": ("jane@customer.example",),
        "invoice_number": "INV-000042",
        "currency": "EUR",
        "total_minor": 123456,
        "amount_due_minor": 123456,
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "pay_url": PAY_URL,
        "portal_url": PORTAL_URL,
        "pdf": PDF,
        "pdf_filename": "",
    }
    values.update(changes)
    return InvoiceMail(**values)


def build(kind: MailKind, mail: InvoiceMail, **extra: Any) -> EmailMessage:
    """`build_message` with what each kind needs: days, and the payment for a receipt."""
    if kind is MailKind.PAYMENT_RECEIPT:
        extra.setdefault("paid_minor", mail.total_minor)
        extra.setdefault("paid_at", date(2026, 3, 20))
    if kind in (MailKind.REMINDER_BEFORE_DUE, MailKind.REMINDER_OVERDUE):
        extra.setdefault("days", 3)
    return build_message(kind, mail, sender=SENDER, **extra)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies, decoded."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return str(text.get_content()), str(html.get_content())


def alternative(message: EmailMessage) -> EmailMessage:
    """The multipart/alternative part (the message itself when nothing is attached)."""
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            assert isinstance(part, EmailMessage)
            return part
    raise AssertionError("no multipart/alternative part")


def hrefs(html: str) -> list[str]:
    return [unescape(url) for url in re.findall(r'href="([^"]*)"', html)]


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_renders_in_every_language(kind: MailKind, language: str) -> None:
    paid_in_full = kind is MailKind.PAYMENT_RECEIPT
    mail = invoice_mail(language=language, amount_due_minor=0 if paid_in_full else 123456)
    message = build(kind, mail)

    assert message["From"] == SENDER
    assert message["To"] == "jane@customer.example"
    assert message["Content-Language"] == language
    assert message["Auto-Submitted"] == "auto-generated"
    assert parsedate_to_datetime(str(message["Date"])).tzinfo is not None
    assert str(message["Message-ID"]).endswith("@acme.example>")
    subject = str(message["Subject"])
    assert "INV-000042" in subject
    assert "Acme" in subject
    if (kind, language) in SUBJECTS:
        assert subject == SUBJECTS[(kind, language)]

    body = alternative(message)
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    text, html = parts(message)
    for content in (text, html):
        assert AMOUNT[language] in content
        assert (PAID_AT if paid_in_full else DUE)[language] in content
        assert "INV-000042" in content
        assert PORTAL_URL in unescape(content)
    assert f'<html lang="{language}">' in html
    assert "style=" in html
    catalogue = CATALOGUES[language]
    assert catalogue["portal.link"] in unescape(html)
    assert catalogue["greeting"].format(customer="Jane Doe") in text
    # No words of another language slipped in.
    for other in SUPPORTED:
        if other != language:
            assert CATALOGUES[other]["portal.text"] not in text


@pytest.mark.parametrize("kind", list(MailKind))
def test_subjects_differ_by_language(kind: MailKind) -> None:
    subjects = {build(kind, invoice_mail(language=each))["Subject"] for each in SUPPORTED}
    assert len(subjects) == len(SUPPORTED)


@pytest.mark.parametrize("kind", list(MailKind))
def test_html_loads_nothing_from_anywhere(kind: MailKind) -> None:
    _, html = parts(build(kind, invoice_mail(amount_due_minor=1000)))
    lowered = html.lower()
    for forbidden in ("<style", "<link", "<script", "<img", "<iframe", "src=", "url(", "@import"):
        assert forbidden not in lowered
    assert "javascript:" not in lowered
    assert set(hrefs(html)) == {PAY_URL, PORTAL_URL}


def test_the_pay_link_is_in_both_parts_and_the_portal_link_too() -> None:
    text, html = parts(build(MailKind.INVOICE_ISSUED, invoice_mail()))
    assert PAY_URL in text
    assert PORTAL_URL in text
    assert PAY_URL in hrefs(html)
    assert PORTAL_URL in hrefs(html)


def test_without_links_no_link_is_shown() -> None:
    mail = invoice_mail(pay_url=None, portal_url=None)
    text, html = parts(build(MailKind.INVOICE_ISSUED, mail))
    assert hrefs(html) == []
    assert "https://" not in text
    assert CATALOGUES["en"]["portal.text"] not in text


def test_a_receipt_offers_to_pay_only_what_is_left() -> None:
    settled = invoice_mail(amount_due_minor=0)
    text, html = parts(build(MailKind.PAYMENT_RECEIPT, settled, paid_minor=123456))
    assert PAY_URL not in text
    assert hrefs(html) == [PORTAL_URL]
    assert "paid in full" in text

    partly = invoice_mail(amount_due_minor=23456)
    text, html = parts(build(MailKind.PAYMENT_RECEIPT, partly, paid_minor=100000))
    assert PAY_URL in text
    assert PAY_URL in hrefs(html)
    assert "€1,000.00" in text  # paid
    assert "Balance remaining" in text
    assert "€234.56" in text  # left to pay
    assert "paid in full" not in text


def test_amounts_are_formatted_for_the_currency_and_language() -> None:
    usd = invoice_mail(currency="USD")
    jpy = invoice_mail(currency="JPY", total_minor=1235, amount_due_minor=1235)
    text, html = parts(build(MailKind.INVOICE_ISSUED, usd))
    assert "$1,234.56" in text
    assert "$1,234.56" in html
    text, html = parts(build(MailKind.INVOICE_ISSUED, jpy))
    assert "¥1,235" in text
    assert "¥1,235" in html
    assert "¥1,235." not in text
    german = invoice_mail(language="de", currency="JPY", total_minor=1235, amount_due_minor=1235)
    text, _ = parts(build(MailKind.REMINDER_OVERDUE, german))
    assert f"1.235{NBSP}¥" in text


def test_the_total_is_shown_when_it_differs_from_the_amount_due() -> None:
    text, _ = parts(build(MailKind.INVOICE_ISSUED, invoice_mail(amount_due_minor=100000)))
    assert "€1,000.00" in text
    assert "Total" in text
    assert "€1,234.56" in text
    text, _ = parts(build(MailKind.INVOICE_ISSUED, invoice_mail()))
    assert "Total" not in text


@pytest.mark.parametrize(
    ("kind", "language", "days", "expected"),
    [
        (MailKind.REMINDER_BEFORE_DUE, "en", 1, "is due in 1 day, on March 31, 2026"),
        (MailKind.REMINDER_BEFORE_DUE, "en", 7, "is due in 7 days, on March 31, 2026"),
        (MailKind.REMINDER_BEFORE_DUE, "de", 1, "ist in 1 Tag fällig, am 31. März 2026"),
        (MailKind.REMINDER_BEFORE_DUE, "de", 7, "ist in 7 Tagen fällig, am 31. März 2026"),
        (MailKind.REMINDER_OVERDUE, "en", 1, "was due on March 31, 2026, 1 day ago"),
        (MailKind.REMINDER_OVERDUE, "en", 14, "was due on March 31, 2026, 14 days ago"),
        (MailKind.REMINDER_OVERDUE, "fr", 1, "était due le 31 mars 2026, il y a 1 jour,"),
        (MailKind.REMINDER_OVERDUE, "fr", 2, "était due le 31 mars 2026, il y a 2 jours,"),
        (MailKind.REMINDER_DUE_TODAY, "fr", 0, "arrive à échéance aujourd’hui, le 31 mars 2026"),
    ],
)
def test_reminders_say_how_many_days(
    kind: MailKind, language: str, days: int, expected: str
) -> None:
    text, html = parts(build(kind, invoice_mail(language=language), days=days))
    assert expected in text
    assert expected in unescape(html)


def test_the_customer_name_is_escaped_in_html_and_kept_in_text() -> None:
    mail = invoice_mail(customer_name="<script>alert('x')</script> & Co")
    text, html = parts(build(MailKind.INVOICE_ISSUED, mail))
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    assert "Hello <script>alert('x')</script> & Co," in text


def test_a_url_cannot_break_out_of_its_attribute() -> None:
    mail = invoice_mail(pay_url='https://pay.example/?q="><b onmouseover="x')
    _, html = parts(build(MailKind.INVOICE_ISSUED, mail))
    assert "<b onmouseover" not in html
    assert 'https://pay.example/?q="><b onmouseover="x' in hrefs(html)


def test_a_customer_without_a_name_is_greeted_without_one() -> None:
    text, _ = parts(build(MailKind.INVOICE_ISSUED, invoice_mail(customer_name="  ")))
    assert text.startswith("Hello,\n")


@pytest.mark.parametrize(
    ("kind", "filename", "expected"),
    [
        (MailKind.INVOICE_ISSUED, "", "INV-000042.pdf"),
        (MailKind.INVOICE_ISSUED, "Rechnung März.pdf", "Rechnung März.pdf"),
        (MailKind.INVOICE_ISSUED, '../../etc/"passwd"\n.pdf', "etc_passwd_.pdf"),
        (MailKind.REMINDER_OVERDUE, "acme-INV-000042.pdf", "acme-INV-000042.pdf"),
    ],
)
def test_the_pdf_is_attached_with_its_file_name(
    kind: MailKind, filename: str, expected: str
) -> None:
    message = build(kind, invoice_mail(pdf_filename=filename))
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    (attachment,) = attachments
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == expected
    assert attachment.get_content() == PDF
    assert message.get_content_type() == "multipart/mixed"
    text, html = parts(message)
    assert f"({expected})" in text
    assert f"({expected})" in unescape(html)
    # Serialised and read back, the attachment is the same bytes.
    again = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(again, EmailMessage)
    (reread,) = list(again.iter_attachments())
    assert reread.get_content() == PDF
    assert reread.get_filename() == expected


def test_no_pdf_means_no_attachment_and_no_word_of_one() -> None:
    message = build(MailKind.INVOICE_ISSUED, invoice_mail(pdf=None))
    assert list(message.iter_attachments()) == []
    assert message.get_content_type() == "multipart/alternative"
    text, _ = parts(message)
    assert "attached" not in text


def test_every_recipient_is_addressed() -> None:
    mail = invoice_mail(recipients=("a@customer.example", "Bob Roe <b@customer.example>"))
    message = build(MailKind.INVOICE_ISSUED, mail)
    assert [address.addr_spec for address in message["To"].addresses] == [
        "a@customer.example",
        "b@customer.example",
    ]


def test_each_message_has_its_own_message_id() -> None:
    mail = invoice_mail()
    ids = {str(build(MailKind.INVOICE_ISSUED, mail)["Message-ID"]) for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "changes",
    [
        {"merchant_name": "Acme\r\nBcc: victim@evil.example"},
        {"invoice_number": "INV-1\nBcc: victim@evil.example"},
        {"merchant_name": "Acme\u2028Bcc: victim@evil.example"},
    ],
)
def test_a_line_break_in_a_name_or_number_starts_no_header(changes: dict[str, str]) -> None:
    message = build(MailKind.INVOICE_ISSUED, invoice_mail(**changes))
    subject = str(message["Subject"])
    assert "\n" not in subject
    assert "\r" not in subject
    assert "Bcc: victim@evil.example" in subject  # kept, on one line
    wire = message.as_bytes(policy=policy.SMTP)
    assert not re.search(rb"^bcc:", wire, flags=re.IGNORECASE | re.MULTILINE)
    again = message_from_bytes(wire, policy=policy.default)
    assert again["Bcc"] is None
    assert again["Subject"] == subject


@pytest.mark.parametrize(
    "recipient",
    ["jane@customer.example\r\nBcc: victim@evil.example", "jane@customer.example\n"],
)
def test_a_recipient_with_a_line_break_is_refused(recipient: str) -> None:
    with pytest.raises(ValueError, match="recipient address contains a line break"):
        invoice_mail(recipients=(recipient,))


def test_a_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="sender address contains a line break"):
        build_message(
            MailKind.INVOICE_ISSUED, invoice_mail(), sender="a@b.example\nBcc: c@d.example"
        )


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"language": "es"}, "language must be one of"),
        ({"brand_color": "red"}, "brand_color"),
        ({"brand_color": "#123456;background:url(https://x.example/a.png)"}, "brand_color"),
        ({"pay_url": "javascript:alert(1)"}, "pay_url"),
        ({"portal_url": "https://portal.example/\r\nx"}, "portal_url"),
        ({"recipients": ()}, "at least one recipient"),
        ({"recipients": ("not an address",)}, "not an e-mail address"),
    ],
)
def test_invalid_mail_is_refused(changes: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        invoice_mail(**changes)


@pytest.mark.parametrize(
    ("kind", "extra", "complaint"),
    [
        (MailKind.REMINDER_BEFORE_DUE, {}, "due_date"),
        (MailKind.REMINDER_DUE_TODAY, {}, "due_date"),
        (MailKind.REMINDER_OVERDUE, {}, "due_date"),
    ],
)
def test_a_reminder_needs_a_due_date(kind: MailKind, extra: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        build(kind, invoice_mail(due_date=None), **extra)


def test_an_invoice_without_due_date_can_be_issued() -> None:
    text, _ = parts(build(MailKind.INVOICE_ISSUED, invoice_mail(due_date=None)))
    assert "Due date" not in text


def test_a_receipt_needs_the_payment() -> None:
    with pytest.raises(ValueError, match="paid_minor and paid_at"):
        build_message(MailKind.PAYMENT_RECEIPT, invoice_mail(), sender=SENDER, paid_minor=100)
    with pytest.raises(ValueError, match="paid_minor and paid_at"):
        build_message(
            MailKind.PAYMENT_RECEIPT, invoice_mail(), sender=SENDER, paid_at=date(2026, 3, 2)
        )


def test_days_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        build(MailKind.REMINDER_OVERDUE, invoice_mail(), days=-1)


def test_the_default_brand_colour_is_readable_on_white_and_under_white() -> None:
    assert contrast(DEFAULT_BRAND_COLOR, "#ffffff") >= 4.5
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#777777") == pytest.approx(1)
    _, html = parts(build(MailKind.INVOICE_ISSUED, invoice_mail()))
    assert f"background-color:{DEFAULT_BRAND_COLOR};color:#ffffff" in html


def test_a_light_brand_colour_gets_dark_text_and_readable_links() -> None:
    _, html = parts(build(MailKind.INVOICE_ISSUED, invoice_mail(brand_color="#FFD700")))
    assert "background-color:#ffd700;color:#111827" in html
    assert not re.search(r"(?<!background-)color:#ffd700", html)  # links stay readable
    assert f"color:{DEFAULT_BRAND_COLOR}" in html


def test_a_dark_brand_colour_is_used_for_links() -> None:
    _, html = parts(build(MailKind.INVOICE_ISSUED, invoice_mail(brand_color="#7a1f1f")))
    assert "background-color:#7a1f1f;color:#ffffff" in html
    assert 'style="color:#7a1f1f;"' in html


def test_non_ascii_names_survive_the_wire() -> None:
    mail = invoice_mail(language="de", merchant_name="Müller & Söhne", customer_name="Zoë")
    message = build(MailKind.INVOICE_ISSUED, mail)
    again = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert again["Subject"] == "Rechnung INV-000042 von Müller & Söhne"
    assert isinstance(again, EmailMessage)
    text, html = parts(again)
    assert "Hallo Zoë," in text
    assert "Müller &amp; Söhne" in html


def test_every_language_has_the_same_words_and_placeholders() -> None:
    known = {
        "merchant",
        "customer",
        "number",
        "filename",
        "amount",
        "total",
        "paid",
        "issue_date",
        "due_date",
        "paid_at",
        "days",
    }
    reference = CATALOGUES["en"]
    assert set(CATALOGUES) == set(SUPPORTED)
    for language, catalogue in CATALOGUES.items():
        assert set(catalogue) == set(reference), language
        for key, words in catalogue.items():
            names = {name for _, name, _, _ in string.Formatter().parse(words) if name}
            assert names <= known, (language, key)
            english = {n for _, n, _, _ in string.Formatter().parse(reference[key]) if n}
            assert names == english, (language, key)


def test_replace_keeps_validation() -> None:
    with pytest.raises(ValueError, match="brand_color"):
        replace(invoice_mail(), brand_color="#12345")
