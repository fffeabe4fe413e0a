"""Validation of responses against the seed OpenAPI documents in ../shared/spec/."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "spec"
AP_SPEC = SPEC_DIR / "alternative-payments-invoices.openapi.json"
BILLING_SPEC = SPEC_DIR / "billing-v1.openapi.json"


@dataclass(frozen=True)
class _Operation:
    pattern: re.Pattern[str]
    method: str
    responses: dict[str, Any]


@cache
def load(path: Path) -> dict[str, Any] | None:
    """The parsed spec, or None when ../shared is absent."""
    if not path.exists():
        return None
    document: dict[str, Any] = json.loads(path.read_text())
    return document


@cache
def _operations(path: Path) -> tuple[_Operation, ...]:
    spec = load(path)
    if spec is None:
        return ()
    return _operations_of(spec)


def _operations_of(spec: dict[str, Any]) -> tuple[_Operation, ...]:
    found = []
    for template, item in spec["paths"].items():
        regex = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                found.append(
                    _Operation(re.compile(f"^{regex}$"), method.upper(), operation["responses"])
                )
    return tuple(found)


def schema_for(path: Path, method: str, url_path: str, status: int) -> dict[str, Any] | None:
    """The JSON schema of a documented response, or None if undocumented."""
    spec = load(path)
    if spec is None:
        return None
    return _schema_in(spec, _operations(path), method, url_path, status)


def _schema_in(
    spec: dict[str, Any],
    operations: tuple[_Operation, ...],
    method: str,
    url_path: str,
    status: int,
) -> dict[str, Any] | None:
    for operation in operations:
        if operation.method == method and operation.pattern.match(url_path):
            response = operation.responses.get(str(status))
            if response is None:
                return None
            content = response.get("content", {}).get("application/json")
            if content is None:
                return None
            return {**content["schema"], "components": spec.get("components", {})}
    return None


def validate(path: Path, method: str, url_path: str, status: int, body: Any) -> None:
    """Raise if `body` does not match the documented schema for this response."""
    schema = schema_for(path, method, url_path, status)
    if schema is not None:
        Draft202012Validator(schema).validate(body)


def strict(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with no extra properties allowed in any object schema that lists its own."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            node = {key: walk(value) for key, value in node.items()}
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            return node
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    walked: dict[str, Any] = walk(document)
    return walked


class Served:
    """An OpenAPI document the app serves, to check responses against (made `strict`)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = strict(document)
        self._operations = _operations_of(self.document)

    def validate(self, method: str, url_path: str, status: int, body: Any) -> None:
        """Raise if `body` does not match the documented schema for this response."""
        schema = _schema_in(self.document, self._operations, method, url_path, status)
        if schema is not None:
            Draft202012Validator(schema).validate(body)


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of an OpenAPI document by (METHOD, path template)."""
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
