"""The HTTP ceiling: the server's own stack answering with a fixed invoice, nothing else.

FastAPI under granian (ASGI, uvloop, access log off, same workers as `invoicery
serve`), one route, a fixed AP invoice document rendered by orjson on every request
like the real server does. No authentication, no database: whatever the real
endpoints lose against this is the price of auth, the database and our code.

    python -m bench.ceiling_app --port 18001 --workers 2
"""

from __future__ import annotations

import argparse
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.responses import Response

from invoicery.api.json import JsonResponse

__all__ = ["INVOICE", "app", "main"]

INVOICE: dict[str, Any] = {
    "id": "inv_01m80n2zkffcb9h4xgdrb19e42",
    "invoice_number": "INV-800000",
    "customer_id": "cus_01hdpb6b7metw9crzzx92qwjdp",
    "currency": "USD",
    "status": "UPCOMING",
    "due_date": "2026-12-22",
    "created_at": "2026-11-22T03:34:07.727692Z",
    "line_items": [
        {"description": "Training day", "quantity": 2, "amount": orjson.Fragment(b"1031")},
        {"description": "Onboarding", "quantity": 6, "amount": orjson.Fragment(b"1846")},
        {"description": "Support plan", "quantity": 5, "amount": orjson.Fragment(b"2334.5")},
    ],
    "sub_total": orjson.Fragment(b"24810.5"),
    "total": orjson.Fragment(b"24810.5"),
    "exclude_from_autopay": False,
}


app = FastAPI(title="Invoicery HTTP ceiling")


@app.get("/invoices/fixed")
async def fixed_invoice() -> Response:
    """The same invoice every time."""
    return JsonResponse(INVOICE)


def main() -> None:
    """Serve `app` the way `invoicery serve` serves the real application."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18001)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    Granian(
        "bench.ceiling_app:app",
        address=args.host,
        port=args.port,
        workers=args.workers,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
