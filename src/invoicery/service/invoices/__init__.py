"""Invoice use cases for both faces, scoped to the caller's account.

- `compose`: the requests that make an invoice (`DraftFields`, `NewInvoice`).
- `lines`: requested lines (`NewLine`) checked into invoice lines.
- `pricing`: amounts from lines, taxes, coupons and credit; numbering at finalization.
- `lifecycle`: the writes (drafts, finalization, void, uncollectible, archive, custom
  properties).
- `reads`: one invoice by id, lists by number (billing v1), AP list filters.
- `served`: AP reads served from stored documents, by id and by cursor.
- `views`: what the faces render from (`InvoiceView`, `InvoiceSummary`).
- `listed`: billing-v1 list items kept as their rows (`ListedInvoice`), a read model.
"""

from invoicery.service.invoices.compose import (
    FIELD_NAMES,
    MAX_NET_TERMS,
    DraftFields,
    NewInvoice,
)
from invoicery.service.invoices.lifecycle import (
    archive,
    create,
    create_finalized,
    finalize,
    mark_uncollectible,
    refresh,
    restore,
    update,
    update_custom_properties,
    void,
)
from invoicery.service.invoices.lines import (
    MAX_INVOICE_SUB_LINES,
    MAX_SUB_LINES,
    NewLine,
    NewSubLine,
)
from invoicery.service.invoices.reads import (
    CursorQuery,
    ListOrder,
    NumberedQuery,
    OrderColumn,
    get,
    list_numbered,
    parse_id,
)
from invoicery.service.invoices.views import InvoiceSummary, InvoiceView, SummaryLine

__all__ = [
    "FIELD_NAMES",
    "MAX_INVOICE_SUB_LINES",
    "MAX_NET_TERMS",
    "MAX_SUB_LINES",
    "CursorQuery",
    "DraftFields",
    "InvoiceSummary",
    "InvoiceView",
    "ListOrder",
    "NewInvoice",
    "NewLine",
    "NewSubLine",
    "NumberedQuery",
    "OrderColumn",
    "SummaryLine",
    "archive",
    "create",
    "create_finalized",
    "finalize",
    "get",
    "list_numbered",
    "mark_uncollectible",
    "parse_id",
    "refresh",
    "restore",
    "update",
    "update_custom_properties",
    "void",
]
