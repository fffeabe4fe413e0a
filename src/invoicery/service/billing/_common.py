"""Transitional: `NumberedPage` lives in `invoicery.service.paging`; import it from there."""

from invoicery.service.paging import NumberedPage

__all__ = ["NumberedPage"]
