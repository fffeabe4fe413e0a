"""Dependencies point one way: the web adapters do not import each other, the core no adapter.

Every module under src/invoicery is parsed (not imported) and each of its imports,
wherever it stands in the module, is checked against the rules below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import invoicery

PACKAGE_ROOT = Path(invoicery.__file__).parent

ADAPTERS = ("invoicery.api", "invoicery.pages", "invoicery.web", "invoicery.app")
CORE = (
    "invoicery.auth",
    "invoicery.documents",
    "invoicery.domain",
    "invoicery.mail",
    "invoicery.payments",
    "invoicery.pdf",
    "invoicery.service",
    "invoicery.store",
    "invoicery.webhooks",
)
FRAMEWORKS = ("fastapi", "starlette", "pydantic", "sqlalchemy", "alembic", "jinja2", "asyncpg")

# (the modules a rule binds, what they may not import, what they may import after all)
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "api does not import pages": (("invoicery.api",), ("invoicery.pages", "invoicery.app"), ()),
    "pages does not import api": (("invoicery.pages",), ("invoicery.api", "invoicery.app"), ()),
    "web serves every adapter and imports none": (
        ("invoicery.web",),
        ("invoicery.api", "invoicery.pages", "invoicery.app"),
        (),
    ),
    "the core imports no web adapter": (CORE, ADAPTERS, ()),
    "domain imports only domain and no framework": (
        ("invoicery.domain",),
        ("invoicery", *FRAMEWORKS),
        ("invoicery.domain",),
    ),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports; for `from a import b`, both `a` and `a.b`."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            source = ".".join(part for part in (base, node.module or "") if part)
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


MODULES = {_module_name(path): _imports(path) for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def test_every_module_is_read() -> None:
    assert "invoicery.app" in MODULES
    assert "invoicery.web.deps" in MODULES
    assert "invoicery.domain.money" in MODULES
    assert "invoicery.web.errors" in MODULES["invoicery.pages.errors"]


@pytest.mark.parametrize("rule", RULES)
def test_layers(rule: str) -> None:
    bound, forbidden, allowed = RULES[rule]
    violations = sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if _within(module, bound)
        for name in names
        if _within(name, forbidden) and not _within(name, allowed)
    )
    assert violations == []
