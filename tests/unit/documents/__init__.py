"""Unit tests of invoicery.documents."""
