"""Billing-v1 2026-10: what the meteroid 0.30 SDK speaks, rendered on 2026-03's documents."""
