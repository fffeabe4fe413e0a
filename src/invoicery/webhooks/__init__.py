"""Delivering events to webhook endpoints: bodies, signatures, the guarded HTTP client.

The delivery use case itself (fan-out, claims, outcomes) is `invoicery.service.webhook_delivery`;
this package holds the parts it uses that know HTTP and cryptography but no database.
"""
