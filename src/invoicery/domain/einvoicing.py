"""Whether an invoice's e-invoice was issued at finalization, and why not if it failed.

An account turns e-invoicing on by choosing a profile (`invoicery.einvoice.Profile`);
`OFF` is the setting of an account that did not. An invoice finalized while it was on
carries an `EInvoicing`: GENERATED, or FAILED with the reasons (``field: why``), which
never stop the finalization itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["OFF", "EInvoicing", "EInvoicingStatus"]

OFF = "off"


class EInvoicingStatus(StrEnum):
    """The outcome of issuing an invoice's e-invoice (Meteroid's names)."""

    GENERATED = "GENERATED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class EInvoicing:
    """An invoice's e-invoice status and, when it failed, why."""

    status: EInvoicingStatus
    errors: tuple[str, ...] = ()

    @classmethod
    def failed(cls, reason: str, fields: Mapping[str, str]) -> EInvoicing:
        """A failure for `reason`, one error per field named (``field: why``)."""
        errors = tuple(f"{name}: {why}" for name, why in sorted(fields.items()))
        return cls(EInvoicingStatus.FAILED, errors or (reason,))
