"""Rendered invoice PDFs, rendered once per content version for all server processes.

A lookup tries, in order: this process's `MemoryCache`, the shared ``document_cache``
table, and finally renders (off the event loop, see `invoicery.documents.render`) and
stores the result in both. Downloads ask for a file instead (`DocumentCache.file`):
this process's `FileCache` first, then the same lookup, written to a file once.
Within one process, concurrent requests for the same key share one lookup (no
stampede of identical renders), and at most `max_renders` renders run at once, which
bounds the CPU and the memory they take. Several processes may still render the same
new version once each; the first stored copy wins and the others are identical.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.exc import SQLAlchemyError

from invoicery.documents import repository
from invoicery.documents.files import CachedFile, FileCache
from invoicery.documents.memory import MemoryCache
from invoicery.documents.render import render
from invoicery.pdf.view import InvoiceDocument
from invoicery.store.database import Database

__all__ = ["CacheKey", "DocumentCache"]

logger = logging.getLogger("invoicery.documents")


@dataclass(frozen=True, slots=True)
class CacheKey:
    """One version of one account's invoice document."""

    account_id: UUID
    invoice_id: UUID
    etag: str


class DocumentCache:
    """PDF bytes by `CacheKey`: memory, then the shared table, then a render."""

    def __init__(
        self,
        db: Database,
        *,
        memory: MemoryCache,
        files: FileCache | None = None,
        max_renders: int = 2,
    ) -> None:
        self.db = db
        self.memory = memory
        self.files = files if files is not None else FileCache(max_bytes=memory.max_bytes)
        self._renders = asyncio.Semaphore(max_renders)
        self._loading: dict[CacheKey, asyncio.Task[bytes]] = {}

    async def pdf(self, key: CacheKey, doc: InvoiceDocument) -> bytes:
        """The PDF of `doc`, whose content version is `key.etag`."""
        content = self.memory.get(key)
        if content is not None:
            return content
        cached = self.files.get(key)
        if cached is not None:
            return cached.path.read_bytes()
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, doc))
            self._loading[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        # shield: a client that disconnects must not cancel the work others wait for
        return await asyncio.shield(task)

    async def file(self, key: CacheKey, doc: InvoiceDocument) -> CachedFile:
        """The PDF of `doc` as a file of this process, whose content version is `key.etag`."""
        found = self.files.get(key)
        if found is not None:
            return found
        content = await self.pdf(key, doc)
        self.memory.discard(key)  # the file is the copy kept from now on
        return self.files.put(key, content)

    def _finished(self, key: CacheKey, task: asyncio.Task[bytes]) -> None:
        self._loading.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here, so an error nobody awaited is not logged twice

    async def _load(self, key: CacheKey, doc: InvoiceDocument) -> bytes:
        async with self.db.read() as conn:
            content = await repository.get(
                conn, account_id=key.account_id, invoice_id=key.invoice_id, etag=key.etag
            )
        if content is None:
            async with self._renders:
                content = await render(doc)
            await self._store(key, content)
        self.memory.put(key, content)
        return content

    async def _store(self, key: CacheKey, content: bytes) -> None:
        """Keep a rendered PDF in the shared table; a failure only costs a later re-render."""
        try:
            async with self.db.write() as conn:
                await repository.put(
                    conn,
                    account_id=key.account_id,
                    invoice_id=key.invoice_id,
                    etag=key.etag,
                    content=content,
                    now=datetime.now(UTC),
                )
        except SQLAlchemyError:
            logger.warning("could not store the PDF of invoice %s", key.invoice_id, exc_info=True)
