"""Full card numbers, CVCs and bank account numbers are kept nowhere: not in the DB, not in logs."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import JSON, MetaData, String, select
from sqlalchemy.engine import Connection

from invoicery.store.database import Database
from tests.integration.pages.hosted import (
    DECLINED_CARD,
    GOOD_ACCOUNT,
    GOOD_CARD,
    open_page,
)
from tests.support.tenant import Tenant

CVC = "7319"
# Row ids are UUIDs whose 4-hex-digit groups can spell any CVC ("…-7319-…"); they are
# masked before the scan so only a CVC written as data can match. Other tests' dates
# share the database and may have any year ("7319-10-17"): a CVC next to a hyphen is
# part of a date or an id, never a CVC written as data.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _text_values(sync: Connection) -> list[str]:
    """Every value of every text or JSON column of every table."""
    metadata = MetaData()
    metadata.reflect(sync)
    values: list[str] = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, JSON))]
        if not columns:
            continue
        for row in sync.execute(select(*columns)):
            values += [v if isinstance(v, str) else json.dumps(v) for v in row if v is not None]
    return values


def _secrets(*numbers: str, cvc: str = CVC) -> list[re.Pattern[str]]:
    patterns = [re.compile(rf"(?<![0-9A-Za-z-]){cvc}(?![0-9A-Za-z-])")]
    for number in numbers:
        digits = number.replace(" ", "")
        patterns += [re.compile(re.escape(digits)), re.compile(re.escape(number))]
    return patterns


def _leaks(texts: list[str], patterns: list[re.Pattern[str]]) -> list[tuple[str, str]]:
    masked = [_UUID.sub("<uuid>", text) for text in texts]
    return [(p.pattern, t[:120]) for t in masked for p in patterns if p.search(t)]


async def test_no_card_or_account_number_reaches_the_database_or_logs(
    db: Database, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    page = await open_page(tenant)
    declined = await page.pay_card(DECLINED_CARD, cvc=CVC)
    paid = await page.pay_card(GOOD_CARD, cvc=CVC)
    assert (declined.status_code, paid.status_code) == (402, 303)
    bank_page = await open_page(tenant)
    assert (await bank_page.pay_bank(GOOD_ACCOUNT)).status_code == 303

    patterns = _secrets(DECLINED_CARD, GOOD_CARD, GOOD_ACCOUNT)
    async with db.read() as conn:
        stored = await conn.run_sync(_text_values)
    assert any(value == "4242" for value in stored)  # the scan does see the last four
    assert _leaks(stored, patterns) == []
    logged = [record.getMessage() for record in caplog.records]
    logged += [repr(record.args) for record in caplog.records]
    assert _leaks(logged, patterns) == []
    assert _leaks([declined.text, paid.text], patterns) == []


async def test_the_scan_finds_a_planted_number(db: Database, tenant: Tenant) -> None:
    """Guard against a scan that cannot fail: a number written on purpose is found.

    It plants a number and CVC of its own, which the other test does not look for.
    """
    planted_number, planted_cvc = "4000 0566 5566 5556", "8642"
    customer: dict[str, Any] = await tenant.customer(name=f"Planted {planted_number} {planted_cvc}")
    assert customer["id"]
    async with db.read() as conn:
        stored = await conn.run_sync(_text_values)
    found = {p for p, _ in _leaks(stored, _secrets(planted_number, cvc=planted_cvc))}
    assert len(found) == 2  # the spaced number and the CVC


def test_a_uuid_group_is_not_mistaken_for_a_cvc() -> None:
    """A row id whose group spells the CVC is no leak; the same digits as data are."""
    row_id = f"01a2020e-d9b5-{CVC}-8000-f51a0a40dcf4"
    assert _leaks([f'{{"id": "{row_id}"}}'], _secrets(GOOD_CARD)) == []
    assert _leaks([f'{{"id": "{row_id}", "cvc": "{CVC}"}}'], _secrets(GOOD_CARD)) != []


def test_a_year_in_a_date_is_not_mistaken_for_a_cvc() -> None:
    """Another test's date in year 7319 is no leak; the CVC as a value is."""
    assert _leaks([f'{{"due_date": "{CVC}-10-17"}}'], _secrets(GOOD_CARD)) == []
    assert _leaks([f'{{"note": "cvc {CVC}"}}'], _secrets(GOOD_CARD)) != []
