"""Integration tests of invoice PDF links and downloads."""
