"""Invoicery: a self-hostable invoicing API server."""

__version__ = "0.1.0"
