"""One requested line, two rules: exact amounts (AP) and decimal prices (billing v1)."""

from __future__ import annotations

from decimal import Decimal

from invoicery.domain.invoice import LineItem
from invoicery.service.invoices.lines import NewLine, NewSubLine, decimal_lines, exact_lines


def test_an_exact_line_is_a_whole_quantity_of_minor_units_and_nothing_else() -> None:
    errors: dict[str, str] = {}
    lines = exact_lines([NewLine("Work", Decimal(3), Decimal("0.1"))], "USD", errors)
    assert errors == {}
    assert lines == (LineItem("Work", 3, 10),)


def test_an_exact_line_refuses_what_it_would_have_to_round() -> None:
    errors: dict[str, str] = {}
    exact_lines([NewLine("Work", Decimal(1), Decimal("1.5"))], "JPY", errors)
    assert errors == {"line_items[0].amount": "JPY amounts have at most 0 decimal places"}


def test_exact_lines_need_at_least_one_line() -> None:
    errors: dict[str, str] = {}
    assert exact_lines([], "USD", errors) == ()
    assert errors == {"line_items": "at least one line item is required"}


def test_a_decimal_line_rounds_its_total_once_and_keeps_its_price() -> None:
    errors: dict[str, str] = {}
    requested = NewLine("Usage", Decimal("1.5"), Decimal("0.333"), description="per GB")
    [line] = decimal_lines([requested], "USD", errors)
    assert errors == {}
    assert line.total == 50  # 0.4995 rounded half-up
    assert (line.exact_quantity, line.unit_price, line.details) == (
        Decimal("1.5"),
        Decimal("0.333"),
        "per GB",
    )


def test_a_decimal_line_may_be_the_sum_of_its_sub_lines() -> None:
    errors: dict[str, str] = {}
    tiers = (
        NewSubLine("first", Decimal(10), Decimal("0.5")),
        NewSubLine("next", Decimal(2), Decimal(1)),
    )
    [line] = decimal_lines([NewLine("Tiered", sub_lines=tiers)], "USD", errors)
    assert errors == {}
    assert line.total == 700
    assert [sub.total for sub in line.sub_lines] == [500, 200]


def test_a_draft_may_have_no_decimal_lines_yet() -> None:
    errors: dict[str, str] = {}
    assert decimal_lines([], "USD", errors) == ()
    assert errors == {}
