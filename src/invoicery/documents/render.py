"""Rendering off the event loop: in a worker thread, or in a child process for CJK text.

To subset the CJK fallback face, fpdf2 parses the whole 16 MB Noto Sans CJK font,
which takes about 100 MiB that the allocator then keeps: a server worker that did it
once would stay above its 150 MiB memory budget. So a document that needs that face
is rendered by a short-lived child process (``python -m
invoicery.documents._render_child``) that hands back the bytes and returns the memory
when it exits (about 0.5 s of start-up on top of a 1.5 s render; cached afterwards).
Every other document renders in a worker thread (about 0.1 s and 10 MiB).
"""

from __future__ import annotations

import asyncio
import pickle
import sys
from collections.abc import Iterator

from invoicery import pdf
from invoicery.domain.money import format_amount
from invoicery.pdf import fonts
from invoicery.pdf.view import InvoiceDocument

__all__ = ["RenderFailed", "needs_cjk_face", "render"]

CHILD_TIMEOUT_SECONDS = 120.0


class RenderFailed(RuntimeError):
    """The render child process failed or took too long."""


def _printed(doc: InvoiceDocument) -> Iterator[str]:
    yield from doc.texts()
    yield format_amount(-1_234_567_890, doc.currency)  # the currency's symbol and separators


def needs_cjk_face(doc: InvoiceDocument) -> bool:
    """Whether some printed character lacks a glyph in the text faces (as the renderer decides)."""
    covered = fonts.text_coverage()
    return any(
        ord(char) not in covered and not char.isspace() and char.isprintable()
        for text in _printed(doc)
        for char in text
    )


async def render(doc: InvoiceDocument) -> bytes:
    """The PDF of `doc`, rendered without blocking the event loop."""
    # in a thread too: the first coverage check parses the text fonts (~0.5 s)
    if await asyncio.to_thread(needs_cjk_face, doc):
        return await _render_in_child(doc)
    return await asyncio.to_thread(pdf.render_invoice, doc)


async def _render_in_child(doc: InvoiceDocument) -> bytes:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "invoicery.documents._render_child",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(CHILD_TIMEOUT_SECONDS):
            out, err = await child.communicate(pickle.dumps(doc))
    except TimeoutError:
        raise RenderFailed(f"rendering took longer than {CHILD_TIMEOUT_SECONDS:g} s") from None
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    if child.returncode != 0 or not out.startswith(b"%PDF-"):
        detail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RenderFailed(f"the render process exited with {child.returncode}: {detail[0]}")
    return out
