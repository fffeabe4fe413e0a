"""Billing-v1 use cases: customers by id or alias, drafts, finalization, coupons, credits."""
