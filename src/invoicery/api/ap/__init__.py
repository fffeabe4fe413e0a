"""The Alternative Payments wire format: OAuth2 token endpoint, invoices, customers."""
