"""The documents a process keeps per invoice, with the values they were made of."""

from __future__ import annotations

from invoicery.documents.source import OpenedDocuments


def test_a_kept_value_is_served_only_for_equal_inputs() -> None:
    opened: OpenedDocuments[str] = OpenedDocuments()
    opened.put("invoice", (1, "a"), "version 1")
    assert opened.get("invoice", (1, "a")) == "version 1"
    assert opened.get("invoice", (2, "a")) is None  # changed inputs: build it anew
    assert opened.get("other", (1, "a")) is None
    opened.put("invoice", (2, "a"), "version 2")
    assert opened.get("invoice", (1, "a")) is None
    assert opened.get("invoice", (2, "a")) == "version 2"
    assert len(opened) == 1


def test_the_least_recently_used_is_forgotten_first() -> None:
    opened: OpenedDocuments[int] = OpenedDocuments(max_items=2)
    opened.put("a", (), 1)
    opened.put("b", (), 2)
    assert opened.get("a", ()) == 1  # now b is the least recently used
    opened.put("c", (), 3)
    assert opened.get("b", ()) is None
    assert (opened.get("a", ()), opened.get("c", ())) == (1, 3)
