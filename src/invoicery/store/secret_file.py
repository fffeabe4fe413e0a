"""A secret kept in a file of the data directory, created once with mode 0600."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["read_or_create"]


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The secret in `path`; the first caller writes `make()` there (mode 0600, atomically).

    The new secret is written to a private temporary file and hard-linked into place,
    so concurrent first starts agree on one secret and nobody reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make())
            os.link(aside, path)
        except FileExistsError:
            pass  # another process won the race; use its secret
        finally:
            aside.unlink()
    return path.read_text().strip()
