"""The billing-v1 wire format under /api/v1: routes, schemas and RestErrorResponse errors."""
