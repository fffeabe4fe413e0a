"""The fonts invoice PDFs are set in, shipped by PyPI packages (no OS font packages needed).

- `text_faces()`: paths of the Latin/Greek/Cyrillic text faces (regular, semibold).
- `cjk_face()`: path of the CJK fallback face (Noto Sans CJK JP: Han, kana, Hangul).
- `text_coverage()`: the code points every text face has a glyph for.
- `cjk_coverage()`: the code points the CJK fallback face has a glyph for.

Text is set in Source Sans Pro 2.020 (static TrueType from `font-source-sans-pro`:
Latin, Greek, Cyrillic, currency signs). Characters it lacks fall back to Noto Sans CJK
JP Regular (CFF OpenType from `noto-cjk-sans-jp-regular`), the CJK sibling of Source
Sans, so mixed-script names look of a piece. Static fonts are used on purpose: fpdf2 can
instance variable fonts, but that costs seconds per document.

Only immutable facts are cached here (paths, coverage sets), so any number of threads may
render at once. Characters no face covers (emoji, Arabic, Thai, ...) cannot be
shown: they are left blank and fpdf2 logs a warning naming them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

__all__ = [
    "FontNotFound",
    "TextFaces",
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
    probe = FPDF()
    probe.add_font("probe", "", path)
    font = probe.fonts["probe"]
    assert isinstance(font, TTFFont)
    try:
        return frozenset(font.cmap)
    finally:
        font.close()
