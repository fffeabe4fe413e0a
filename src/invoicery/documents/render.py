"""Rendering off the event loop and out of the server process, in a long-lived child.

fpdf2, fontTools and Pillow take ~35 MiB once imported, and parsed fonts take more (the
16 MB CJK face ~100 MiB, which the allocator then keeps): a server worker that rendered
even once would keep all of it. So every render runs in one child process per server
process, started (``spawn``, so it imports only the renderer) on the first render. The
child parses each face once and keeps it, so later renders pay neither the start-up
(~0.5 s) nor the font parsing, CJK included. It is replaced after `RENDERS_PER_CHILD`
renders, which bounds what it can accumulate, and when it dies or overruns
`RENDER_TIMEOUT_SECONDS`; it exits after `IDLE_SECONDS` without renders, returning its
memory (with the CJK face parsed, ~170 MiB) while nothing needs rendering.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from invoicery.pdf.view import InvoiceDocument

__all__ = [
    "IDLE_SECONDS",
    "RENDERS_PER_CHILD",
    "RENDER_TIMEOUT_SECONDS",
    "RenderFailed",
    "Renderer",
    "render",
]

RENDER_TIMEOUT_SECONDS = 120.0
RENDERS_PER_CHILD = 500
IDLE_SECONDS = 300.0


class RenderFailed(RuntimeError):
    """The render process failed or took too long."""


def _render_invoice(doc: InvoiceDocument) -> bytes:
    """In the child: the PDF of `doc` (imports the renderer on first use), as a Factur-X
    PDF/A-3 carrying its e-invoice if it has one."""
    from invoicery.pdf import render_invoice  # the parent never imports fpdf2

    pdf = render_invoice(doc)
    if doc.facturx_xml is None:
        return pdf
    from invoicery.einvoice.facturx import embed_facturx  # nor pypdf and factur-x

    return embed_facturx(pdf, doc.facturx_xml.encode())


class Renderer:
    """Renders documents in a child process of its own, started on first use."""

    def __init__(
        self,
        *,
        renders_per_child: int = RENDERS_PER_CHILD,
        timeout: float = RENDER_TIMEOUT_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.renders_per_child = renders_per_child
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._busy = 0
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        """Whether a child process is started (or starting)."""
        return self._pool is not None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=self.renders_per_child,
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:  # a stuck render: the executor has no public way to stop its process
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def render(self, doc: InvoiceDocument) -> bytes:
        """The PDF of `doc`, rendered in the child process."""
        pool = self._executor()
        loop = asyncio.get_running_loop()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._busy += 1
        try:
            async with asyncio.timeout(self.timeout):
                content = await loop.run_in_executor(pool, _render_invoice, doc)
        except TimeoutError:
            self._discard(pool, kill=True)
            raise RenderFailed(f"rendering took longer than {self.timeout:g} s") from None
        except BrokenProcessPool as error:
            self._discard(pool, kill=False)
            raise RenderFailed(f"the render process died: {error}") from None
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle_timer = loop.call_later(self.idle_seconds, self._retire_if_idle)
        return content

    def _retire_if_idle(self) -> None:
        self._idle_timer = None
        if not self._busy:
            self.close(wait=False)

    def close(self, *, wait: bool = True) -> None:
        """Stop the child process, if one is running (the next render starts another)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


_default = Renderer()


async def render(doc: InvoiceDocument) -> bytes:
    """The PDF of `doc`, rendered without blocking the event loop or growing this process."""
    return await _default.render(doc)
