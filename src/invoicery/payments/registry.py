"""Which processor a server uses, by name from the settings."""

from __future__ import annotations

from invoicery.payments.processor import PaymentProcessor
from invoicery.payments.sandbox import SandboxProcessor

__all__ = ["PROCESSORS", "create_processor"]

PROCESSORS = ("sandbox",)


def create_processor(name: str) -> PaymentProcessor:
    """The processor called `name`; only the sandbox is built in."""
    if name == "sandbox":
        return SandboxProcessor()
    raise ValueError(f"unknown payment processor {name!r}; choose one of {', '.join(PROCESSORS)}")
