"""HTTP faces of Invoicery: the AP wire format at the root, billing-v1 under /api/v1."""
