"""How PDF responses name their file and match `If-None-Match`."""

from __future__ import annotations

import pytest

from invoicery.api.downloads import content_disposition, etag_matches


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"x",W/"abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ('"ABC"', False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert etag_matches(header, "abc") is matches


def test_a_plain_invoice_number_is_the_file_name() -> None:
    assert content_disposition("INV-000042.pdf") == 'attachment; filename="INV-000042.pdf"'


def test_other_characters_get_a_safe_fallback_and_an_encoded_name() -> None:
    value = content_disposition('Rechnung "2026"/Ä 1.pdf')
    assert value == (
        'attachment; filename="Rechnung__2026____1.pdf"; '
        "filename*=UTF-8''Rechnung%20%222026%22%2F%C3%84%201.pdf"
    )
