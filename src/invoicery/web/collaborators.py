"""Long-lived collaborators the web adapters share, made once per app on first use.

- `get_documents` / `DocumentsDep`: the document machinery (signing keys, PDF cache)
  that signed PDF links and downloads use, for the API faces and the pages alike.
- `get_page_secret` / `PageSecretDep`: the server's HMAC key for pages (see
  `invoicery.service.page_secret`); each use derives its own key from it.

Both are kept on ``app.state`` (`documents_of` and `page_secret_of` take any such
state: the worker keeps its own). Two first requests may both load them; loading is
idempotent (the keys are read or created once in the data directory or database), so
both get the same values.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request

from invoicery.config import Settings
from invoicery.documents.cache import DocumentCache
from invoicery.documents.files import FileCache
from invoicery.documents.keys import load_key_ring
from invoicery.documents.memory import MemoryCache
from invoicery.service.documents import Documents
from invoicery.service.page_secret import load_page_secret
from invoicery.web.urls import download_path, page_url, xml_download_path

__all__ = [
    "MAX_CONCURRENT_RENDERS",
    "MEMORY_CACHE_BYTES",
    "MEMORY_CACHE_ITEM_BYTES",
    "DocumentsDep",
    "PageSecretDep",
    "documents_of",
    "get_documents",
    "get_page_secret",
    "page_secret_of",
]

# Per process: the most downloaded PDFs (a few dozen kB each) within 8 MiB of memory.
MEMORY_CACHE_BYTES = 8 * 1024 * 1024
MEMORY_CACHE_ITEM_BYTES = 1024 * 1024
MAX_CONCURRENT_RENDERS = 2
# Per process, on disk (the page cache, not the heap): the PDFs downloads send zero-copy.
FILE_CACHE_BYTES = 64 * 1024 * 1024


async def get_documents(request: Request) -> Documents:
    """This app's `Documents`, created on first use (loading or generating the keys)."""
    return await documents_of(request.app.state)


async def documents_of(state: Any) -> Documents:
    """The `Documents` kept on `state` (an app's, or the worker's), made on first use."""
    docs: Documents | None = getattr(state, "documents", None)
    if docs is None:
        settings: Settings = state.settings
        configured = settings.signing_keys.get_secret_value() if settings.signing_keys else None
        ring = await load_key_ring(state.db, configured=configured, data_dir=settings.data_dir)
        memory = MemoryCache(max_bytes=MEMORY_CACHE_BYTES, max_item_bytes=MEMORY_CACHE_ITEM_BYTES)
        docs = getattr(state, "documents", None) or Documents(
            ring=ring,
            cache=DocumentCache(
                state.db,
                memory=memory,
                files=FileCache(max_bytes=FILE_CACHE_BYTES),
                max_renders=MAX_CONCURRENT_RENDERS,
            ),
            link_ttl=settings.pdf_link_ttl,
            base_url=settings.resolved_public_url(),
            payment_url=partial(page_url, settings),
            download_path=download_path,
            xml_download_path=xml_download_path,
        )
        state.documents = docs
    return docs


async def get_page_secret(request: Request) -> bytes:
    """This app's page secret, loaded on first use."""
    return await page_secret_of(request.app.state)


async def page_secret_of(state: Any) -> bytes:
    """The page secret kept on `state` (an app's, or the worker's), loaded on first use."""
    key: bytes | None = getattr(state, "page_secret", None)
    if key is None:
        settings: Settings = state.settings
        key = await load_page_secret(
            state.db, configured=settings.page_secret, data_dir=settings.data_dir
        )
        state.page_secret = key
    return key


DocumentsDep = Annotated[Documents, Depends(get_documents)]
PageSecretDep = Annotated[bytes, Depends(get_page_secret)]
