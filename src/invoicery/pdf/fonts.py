"""The fonts invoice PDFs are set in, shipped by PyPI packages (no OS font packages needed).

- `text_faces()`: paths of the Latin/Greek/Cyrillic text faces (regular, semibold).
- `cjk_face()`: path of the CJK fallback face (Noto Sans CJK JP: Han, kana, Hangul).
- `text_coverage()`: the code points every text face has a glyph for.
- `cjk_coverage()`: the code points the CJK fallback face has a glyph for.
- `add_face(pdf, family, style, path, only=...)`: `FPDF.add_font` from a parsed face.

Text is set in Source Sans Pro 2.020 (static TrueType from `font-source-sans-pro`:
Latin, Greek, Cyrillic, currency signs). Characters it lacks fall back to Noto Sans CJK
JP Regular (CFF OpenType from `noto-cjk-sans-jp-regular`), the CJK sibling of Source
Sans, so mixed-script names look of a piece. Static fonts are used on purpose: fpdf2 can
instance variable fonts, but that costs seconds per document.

Each face is parsed once per process (`_Face`: fpdf2's font object, read-only from then
on, and the font file without the tables fpdf2 drops from every subset anyway). A
render gets a cheap copy with its own glyph subset and its own fontTools font opened
on those bytes, which the subsetter may change in place. Only these read-only values
are shared, so any number of threads may render at once. Characters no face covers
(emoji, Arabic, Thai, ...) cannot be shown: they are left blank and fpdf2 logs a
warning naming them.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Set
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

__all__ = [
    "FontNotFound",
    "TextFaces",
    "add_face",
    "cjk_coverage",
    "cjk_face",
    "text_coverage",
    "text_faces",
]

_TEXT_PACKAGE = "font_source_sans_pro"
_TEXT_DIST = "font-source-sans-pro==0.0.1"
_CJK_PACKAGE = "noto_cjk_sans_jp_regular"
_CJK_DIST = "noto-cjk-sans-jp-regular==0.0.1"


class FontNotFound(RuntimeError):
    """A font file the renderer needs is not installed."""


@dataclass(frozen=True, slots=True)
class TextFaces:
    """Paths of the text font's weights."""

    regular: Path
    semibold: Path

    def all(self) -> tuple[Path, ...]:
        """Every weight's path."""
        return (self.regular, self.semibold)


def _package_file(package: str, dist: str, *parts: str) -> Path:
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise FontNotFound(
            f"the invoice PDF font package {package!r} is not installed: pip install {dist!r}"
        ) from None
    path = Path(str(root.joinpath(*parts)))
    if not path.is_file():
        raise FontNotFound(f"font file {path} is missing: reinstall {dist!r}")
    return path


@cache
def text_faces() -> TextFaces:
    """Paths of the Latin/Greek/Cyrillic text faces (regular, semibold)."""
    return TextFaces(
        regular=_package_file(_TEXT_PACKAGE, _TEXT_DIST, "files", "SourceSansPro-Regular.ttf"),
        semibold=_package_file(_TEXT_PACKAGE, _TEXT_DIST, "files", "SourceSansPro-Semibold.ttf"),
    )


@cache
def cjk_face() -> Path:
    """Path of the CJK fallback face (Noto Sans CJK JP: Han, kana, Hangul)."""
    return _package_file(_CJK_PACKAGE, _CJK_DIST, "NotoSansCJKjp-Regular.otf")


@cache
def text_coverage() -> frozenset[int]:
    """The code points every text face has a glyph for."""
    regular, *others = (_coverage(path) for path in text_faces().all())
    return regular.intersection(*others)


@cache
def cjk_coverage() -> frozenset[int]:
    """The code points the CJK fallback face has a glyph for."""
    return _coverage(cjk_face())


def _coverage(path: Path) -> frozenset[int]:
    return frozenset(_face(path).prototype.cmap)


# What fpdf2 drops from every embedded subset (fpdf.output); dropped once here instead.
_UNEMBEDDED_TABLES = (
    *("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC"),
    *("EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR", "DSIG", "BASE", "VORG", "vhea", "vmtx"),
)


@dataclass(frozen=True, slots=True)
class _Face:
    """A parsed face: fpdf2's font object (never changed after parsing) and lean file bytes."""

    prototype: TTFFont
    lean: bytes


_parse_lock = threading.Lock()


def _face(path: Path) -> _Face:
    with _parse_lock:  # two first renders at once parse a face once
        return _parse(path)


@cache
def _parse(path: Path) -> _Face:
    probe = FPDF()
    probe.add_font("face", "", path)
    prototype = probe.fonts["face"]
    assert isinstance(prototype, TTFFont)
    lean = ttLib.TTFont(path, recalcTimestamp=False, lazy=True)
    for tag in _UNEMBEDDED_TABLES:
        if tag in lean:
            del lean[tag]
    cmap = lean["cmap"]  # fpdf2 reads the Windows Unicode subtables; the others only cost time
    cmap.tables = [table for table in cmap.tables if table.platformID == 3] or cmap.tables
    out = BytesIO()
    lean.save(out)
    lean.close()
    prototype.ttfont.close()
    return _Face(prototype, out.getvalue())


def add_face(
    pdf: FPDF, family: str, style: str, path: Path, *, only: Set[int] | None = None
) -> None:
    """`pdf.add_font(family, style, path, unicode_range=only)`, without parsing the file again."""
    face = _face(path)
    proto = face.prototype
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(proto, name) and name not in ("i", "fontkey", "emphasis"):
            setattr(font, name, getattr(proto, name))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.emphasis = type(proto.emphasis).coerce(style)
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None  # fpdf2's own attribute, set as its constructor does
    font.desc = copy.copy(proto.desc)  # the output gives it an object id and the font file
    if only is None:
        font.cmap, font.glyph_ids = proto.cmap, proto.glyph_ids
        font.cw = proto.cw.copy()  # a defaultdict: reading a missing width adds it
    else:
        font.cmap = {code: name for code, name in proto.cmap.items() if code in only}
        font.glyph_ids = {code: proto.glyph_ids[code] for code in font.cmap}
        widths = proto.cw
        assert isinstance(widths, defaultdict)
        font.cw = defaultdict(widths.default_factory, {c: widths[c] for c in font.cmap})
    # recalcBBoxes=False: the subset keeps the glyphs' stored bounds instead of recompiling
    # every glyph to measure it again (the outlines are unchanged, so are their bounds).
    font.ttfont = ttLib.TTFont(
        BytesIO(face.lean), recalcTimestamp=False, recalcBBoxes=False, lazy=True
    )
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as FPDF.add_font does
