"""A child process that renders one invoice: a pickled `InvoiceDocument` on stdin, PDF on stdout.

Run by `invoicery.documents.render` as ``python -m invoicery.documents._render_child``;
the parent is the only writer of stdin, so unpickling it trusts nothing external.
"""

from __future__ import annotations

import pickle
import sys

from invoicery.pdf import render_invoice
from invoicery.pdf.view import InvoiceDocument


def main() -> None:
    """Read the document, write its PDF."""
    doc = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by our parent process
    if not isinstance(doc, InvoiceDocument):
        raise SystemExit("expected a pickled InvoiceDocument on stdin")
    sys.stdout.buffer.write(render_invoice(doc))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
