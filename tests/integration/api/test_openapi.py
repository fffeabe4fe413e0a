"""The server's own OpenAPI document matches the vendor's seed spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import spec

SEED = spec.load(spec.AP_SPEC)
pytestmark = pytest.mark.skipif(SEED is None, reason="../shared/spec is absent")


@pytest.fixture
async def served(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_every_seed_operation_is_served_with_its_id_parameters_and_scope(
    served: dict[str, Any],
) -> None:
    assert SEED is not None
    ours = spec.operations(served)
    for key, seed_operation in spec.operations(SEED).items():
        assert key in ours, f"{key} is not served"
        operation = ours[key]
        assert operation["operationId"] == seed_operation["operationId"]
        seed_params = {
            (p["name"], p["in"], p.get("required", False))
            for p in seed_operation.get("parameters", [])
        }
        our_params = {
            (p["name"], p["in"], p.get("required", False)) for p in operation.get("parameters", [])
        }
        assert seed_params == our_params, key
        assert operation["security"] == seed_operation["security"], key
        assert set(seed_operation["responses"]) <= set(operation["responses"]), key


async def test_seed_schemas_exist_with_their_properties(served: dict[str, Any]) -> None:
    assert SEED is not None
    ours = served["components"]["schemas"]
    for name, seed_schema in SEED["components"]["schemas"].items():
        assert name in ours, name
        assert set(seed_schema["properties"]) <= set(ours[name]["properties"]), name


async def test_errors_are_documented_as_http_error(served: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in served["components"]["schemas"]
    listing = served["paths"]["/invoices"]["get"]["responses"]
    assert listing["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/HttpError")


async def test_interactive_docs_are_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
