"""The text policy refuses exactly the text PostgreSQL cannot store, however it is written."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from invoicery.web.text_policy import _body_reason, unstorable_reason

any_text = st.text(
    st.one_of(
        st.characters(codec=None, categories=None),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # surrogates
        st.just("\x00"),
    ),
    max_size=30,
)


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@given(any_text)
def test_decoded_text_is_judged_by_what_postgresql_can_store(text: str) -> None:
    assert (unstorable_reason(text) is None) == _storable(text)


@given(any_text, st.booleans())
def test_json_bodies_are_judged_by_the_text_they_decode_to(text: str, ascii_only: bool) -> None:
    # A raw (non-escaped) surrogate is not UTF-8: the JSON parser refuses such a body.
    ascii_only = ascii_only or not _storable(text.replace("\x00", ""))
    body = json.dumps({"memo": text, "lines": [text]}, ensure_ascii=ascii_only)
    assert (_body_reason(body.encode(), form=False) is None) == _storable(text)


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul() -> None:
    assert _body_reason(json.dumps("C:\\u0000").encode(), form=False) is None
    assert _body_reason(json.dumps("C:\\\x00").encode(), form=False) is not None
    assert _body_reason(json.dumps("😀\ud83d").encode(), form=False) is not None


def test_forms_are_checked_for_percent_encoded_nul() -> None:
    assert _body_reason(b"grant_type=client_credentials&scope=a%00", form=True) is not None
    assert _body_reason(b'{"memo": "100%00"}', form=False) is None
