"""Schemathesis hooks for the billing-v1 run: what no JSON Schema can know.

The v1 document publishes every constraint a field carries, but two kinds of rule are
beyond any schema, and the server refuses a request breaking one with a 400:

- a reference must name a live resource of the account (the invoice's customer and
  coupons, the invoicing entity): `map_case` puts real ids, made before the run and
  passed in ``INVOICERY_SCHEMATHESIS_IDS``, into every positive request body. Stateful
  scenarios follow links instead, and may name a customer they archived a step before;
- a few rules relate fields with dates or arithmetic, named in the operations'
  descriptions.

`filter_failure` drops a positive request's 400 when each complaint in it is one of
`BEYOND_SCHEMA`; any other refusal still fails the run.

Loaded by `test_schemathesis_v1` through the `hooks` setting of its config file.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

IDS_VARIABLE = "INVOICERY_SCHEMATHESIS_IDS"

# What the 400 says when a request breaks one of those rules (`service.invoices`, webhooks).
BEYOND_SCHEMA = (
    "customer_id: no such customer",
    "due_date: must not be before invoice_date",
    "due_date: must be at most 3650 days after invoice_date",
    "net_terms: the due date would be after 9999-12-31",
    ".end_date: must not be before start_date",
    ".unit_price: the line amount is too large",
    "line_items: at most 1000 sub-line items are allowed in one invoice",
    "url: not a valid URL",  # a port beyond 65535 (`webhooks.targets.check_url`)
    # a fixed coupon's amount against its currency's decimals and the cap in minor units
    "decimal places in",
    "discount.amount: must be at most",
    # 2026-10 customers: COMPANY needs a name, INDIVIDUAL a first and last name and country
    "name: must not be empty",
    "required for an INDIVIDUAL customer",
    # custom properties as merged with those already stored
    "custom_properties: at most",
    # a payment's date against the server's clock
    "paid_at: must not be in the future",
)


def _ids() -> dict[str, Any]:
    ids: dict[str, Any] = json.loads(os.environ.get(IDS_VARIABLE, "{}"))
    return ids


def _positive(case: schemathesis.Case[Any]) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> bool:
    """No NUL in a positive request, not even in the extra properties schemathesis adds.

    PostgreSQL text cannot hold NUL, so the server refuses it anywhere in a request
    (`web.text_policy`); `--generation-allow-x00 false` leaves it out of documented
    fields, but the Coverage phase still puts it in the undocumented ones.
    """
    parts = (case.body, case.query, case.path_parameters)
    return not _positive(case) or "\\u0000" not in json.dumps(parts, default=str)


@schemathesis.hook
def map_case(
    context: schemathesis.HookContext, case: schemathesis.Case[Any]
) -> schemathesis.Case[Any]:
    """Real ids in a positive request body wherever it names a customer, coupon or entity."""
    if not _positive(case) or not isinstance(case.body, dict):
        return case
    ids, body = _ids(), case.body
    if body.get("invoicing_entity_id") is not None:
        body["invoicing_entity_id"] = ids["invoicing_entity_id"]
    if case.path.startswith("/api/v1/invoices"):
        if "customer_id" in body:
            body["customer_id"] = ids["customer_id"]
        if body.get("coupon_ids"):
            body["coupon_ids"] = [ids["coupon_id"]]
    return case


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: object,
    case: schemathesis.Case[Any],
    response: schemathesis.Response,
) -> bool:
    """Keep every failure but a 400 whose every complaint is a rule beyond the schema."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    message = str(response.json().get("message", ""))
    _summary, _, details = message.partition(": ")
    complaints = [part for part in details.split("; ") if part]
    return not complaints or not all(
        any(rule in complaint for rule in BEYOND_SCHEMA) for complaint in complaints
    )
