"""CSRF tokens: bound to the page and to the cookie, checked in constant time."""

from __future__ import annotations

from invoicery.pages import csrf

KEY = b"k" * 32
PAGE = "p" * 43


def test_a_token_verifies_with_its_cookie_and_page() -> None:
    cookie = csrf.new_cookie()
    assert csrf.verify(KEY, PAGE, cookie, csrf.form_token(KEY, PAGE, cookie))


def test_a_token_fails_with_another_cookie_page_or_key() -> None:
    cookie, other = csrf.new_cookie(), csrf.new_cookie()
    token = csrf.form_token(KEY, PAGE, cookie)
    assert not csrf.verify(KEY, PAGE, other, token)
    assert not csrf.verify(KEY, "q" * 43, cookie, token)
    assert not csrf.verify(b"x" * 32, PAGE, cookie, token)


def test_missing_or_malformed_parts_fail() -> None:
    cookie = csrf.new_cookie()
    token = csrf.form_token(KEY, PAGE, cookie)
    assert not csrf.verify(KEY, PAGE, None, token)
    assert not csrf.verify(KEY, PAGE, cookie, None)
    assert not csrf.verify(KEY, PAGE, cookie, "")
    assert not csrf.verify(KEY, PAGE, "short", csrf.form_token(KEY, PAGE, "short"))


def test_cookies_are_fresh_and_well_formed() -> None:
    first, second = csrf.new_cookie(), csrf.new_cookie()
    assert first != second
    assert csrf.is_well_formed(first)
    assert not csrf.is_well_formed("a;b")
