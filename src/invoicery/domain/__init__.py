"""Pure business rules: money, identifiers, totals and invoice status. No I/O, no framework."""
