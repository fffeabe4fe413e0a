"""Invoice PDFs from an `InvoiceDocument`, with fpdf2.

- `render_invoice(doc)`: the invoice as PDF bytes (A4 or Letter, any number of pages);
  the same layout prints a credit note and a payment's receipt.

Why fpdf2 (2.8.9) rather than ReportLab or WeasyPrint: it is pure Python with no system
libraries (WeasyPrint needs Pango and friends from the OS), it is fast (a short invoice
in about a tenth of a second, see bench/pdf_render.py), it embeds Unicode TrueType and
OpenType fonts with subsetting (a CJK name costs kilobytes, not the 16 MB font) and falls
back per glyph to another font (ReportLab has no automatic fallback, so mixed-script
text must be split by font by hand), and its tables wrap cell text and repeat the
heading row on every page, which is most of what an invoice needs.

The function is pure: the same document gives the same bytes (the PDF creation date is
the issue date), it touches no shared mutable state, and it is safe to call from many
threads at once. It is CPU-bound; async callers run it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Final

import qrcode  # type: ignore[import-untyped,unused-ignore]  # typed by types-qrcode
from babel.dates import format_date
from fpdf import FPDF, FontFace
from fpdf.enums import (
    Align,
    TableBordersLayout,
    TableCellFillMode,
    TableHeadingsDisplay,
    VAlign,
    XPos,
    YPos,
)

from invoicery.domain.money import format_amount
from invoicery.pdf import fonts
from invoicery.pdf.view import InvoiceDocument, PaperSize

__all__ = ["render_invoice"]

_RGB = tuple[int, int, int]

_INK: Final[_RGB] = (31, 41, 55)
_MUTED: Final[_RGB] = (107, 114, 128)
_ACCENT: Final[_RGB] = (30, 64, 124)
_RULE: Final[_RGB] = (209, 213, 219)
_SHADE: Final[_RGB] = (243, 245, 248)

_STAMP_COLOURS: Final[dict[str, _RGB]] = {
    "PAID": (22, 128, 61),
    "VOID": (185, 28, 28),
    "ARCHIVED": (100, 116, 139),
}
_STAMP_DEFAULT_COLOUR: Final[_RGB] = (180, 83, 9)
# An invoice stamped with one of these asks for no payment, so no "how to pay" block.
_SETTLED_STAMPS: Final[frozenset[str]] = frozenset(_STAMP_COLOURS)

_TEXT = "text"  # Source Sans Pro: "" regular, "B" semibold (one weight less to embed than bold)
_CJK = "cjk"  # Noto Sans CJK JP, fallback for glyphs the text faces lack

_MARGIN_X: Final = 18.0
_MARGIN_TOP: Final = 16.0
_MARGIN_BOTTOM: Final = 22.0
_LOCALE: Final = "en_US"
_LABEL_H: Final = 5.3  # a caption's line plus the space under it


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes (A4 or Letter, any number of pages)."""
    pdf = _InvoicePdf(doc)
    pdf.add_page()
    _header(pdf, doc)
    _parties(pdf, doc)
    _line_items(pdf, doc)
    _totals(pdf, doc)
    _memo(pdf, doc)
    _payment(pdf, doc)
    return bytes(pdf.output())


class _InvoicePdf(FPDF):
    """An FPDF page set-up with the invoice fonts, running header and page footer."""

    def __init__(self, doc: InvoiceDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format=_page_format(doc.paper))
        self.doc = doc
        self.set_margins(_MARGIN_X, _MARGIN_TOP, _MARGIN_X)
        self.set_auto_page_break(auto=True, margin=_MARGIN_BOTTOM)
        self.set_creation_date(datetime.combine(doc.issue_date, time(), tzinfo=UTC))
        self.set_title(f"{doc.title} {doc.number}")
        self.set_subject(f"{doc.title} {doc.number} from {doc.merchant.display_name}")
        self.set_author(doc.merchant.display_name)
        self.set_creator("invoicery")
        self.set_lang("en")
        self.set_display_mode(zoom="fullwidth")
        _load_fonts(self, doc)
        self.set_text_color(*_INK)
        self.set_draw_color(*_RULE)

    def header(self) -> None:
        """On pages after the first: who and which invoice, above the continued table."""
        if self.page_no() == 1:
            return
        self.set_font(_TEXT, "", 8.5)
        self.set_text_color(*_MUTED)
        doc = self.doc
        self.cell(self.epw / 2, 5, f"{doc.merchant.display_name} · {doc.title} {doc.number}")
        self.cell(self.epw / 2, 5, "continued", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        self.set_text_color(*_INK)

    def footer(self) -> None:
        """On every page: a rule, the invoice reference and "Page N of M"."""
        self.set_y(-_MARGIN_BOTTOM + 8)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_font(_TEXT, "", 8)
        self.set_text_color(*_MUTED)
        doc = self.doc
        reference = f"{doc.title} {doc.number}"
        if _asks_for_payment(doc):
            due = _long_date(doc.due_date)
            reference += f" · {_money(doc, doc.amount_due)} due {due}"
        self.cell(self.epw * 0.75, 4, reference, align=Align.L)
        self.cell(self.epw * 0.25, 4, f"Page {self.page_no()} of {{nb}}", align=Align.R)


def _page_format(paper: PaperSize) -> str:
    return "letter" if paper == "Letter" else "A4"


def _load_fonts(pdf: FPDF, doc: InvoiceDocument) -> None:
    faces = fonts.text_faces()
    fonts.add_face(pdf, _TEXT, "", faces.regular)
    fonts.add_face(pdf, _TEXT, "B", faces.semibold)
    # The CJK face is large; load it only for documents that have glyphs the text faces lack
    # and it has (with none of its glyphs, fpdf2 fails to write the font).
    missing = _uncovered(_printed_texts(doc), fonts.text_coverage())
    wanted = missing & fonts.cjk_coverage() if missing else set()
    if wanted:
        fonts.add_face(pdf, _CJK, "", fonts.cjk_face(), only=wanted)
        pdf.set_fallback_fonts([_CJK], exact_match=False)


def _printed_texts(doc: InvoiceDocument) -> Iterator[str]:
    yield from doc.texts()
    # Every amount is made of the same symbol, sign, digits and separators as this one.
    yield _money(doc, -1_234_567_890)


def _uncovered(texts: Iterator[str], covered: frozenset[int]) -> set[int]:
    return {
        ord(char)
        for text in texts
        for char in set(text)
        if ord(char) not in covered and not char.isspace() and char.isprintable()
    }


def _money(doc: InvoiceDocument, minor: int) -> str:
    return format_amount(minor, doc.currency)


def _long_date(day: date) -> str:
    return format_date(day, format="long", locale=_LOCALE)


def _header(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """Merchant on the left; title, number and dates on the right."""
    top = pdf.get_y()
    left_w = pdf.epw * 0.55
    merchant = doc.merchant

    pdf.set_font(_TEXT, "B", 16)
    pdf.multi_cell(
        left_w, 7, merchant.display_name, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(1)
    pdf.set_font(_TEXT, "", 9)
    pdf.set_text_color(*_MUTED)
    details = [*merchant.address_lines]
    if merchant.country:
        details.append(merchant.country)
    if merchant.email:
        details.append(merchant.email)
    if merchant.tax_id:
        details.append(f"Tax ID: {merchant.tax_id}")
    for text in details:
        pdf.multi_cell(left_w, 4.4, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    right_x = pdf.l_margin + left_w
    right_w = pdf.epw - left_w
    pdf.set_xy(right_x, top - 1)
    pdf.set_font(_TEXT, "B", 24)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(right_w, 10, doc.title.upper(), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(2)
    meta = [
        (f"{doc.title} number", doc.number),
        ("Payment date" if doc.receipt else "Issue date", _long_date(doc.issue_date)),
        ("For invoice" if doc.receipt else "Credits invoice", doc.corrects)
        if doc.corrects
        else ("Due date", _long_date(doc.due_date)),
    ]
    if doc.receipt:
        meta.append(("Paid by", doc.receipt.method))
        meta.append(("Still due", _money(doc, doc.receipt.still_due)))
    stamp = _stamp_word(doc)
    if stamp:
        meta.append(("Status", stamp))
    label_w = 34.0 if doc.corrects else 28.0  # "Credit note number" is wider
    for label, value in meta:
        pdf.set_x(right_x)
        pdf.set_font(_TEXT, "", 9)
        pdf.set_text_color(*_MUTED)
        pdf.cell(label_w, 5, label, align=Align.L)
        pdf.set_font(_TEXT, "B", 9)
        pdf.set_text_color(*(_stamp_colour(value) if label == "Status" else _INK))
        pdf.multi_cell(
            right_w - label_w, 5, value, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.set_text_color(*_INK)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 5)
    _rule(pdf)
    pdf.ln(6)


def _parties(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """Bill-to block on the left, the amount-due panel on the right, stamp between."""
    top = pdf.get_y()
    left_w = pdf.epw * 0.40
    customer = doc.customer

    _label(pdf, "RECEIVED FROM" if doc.receipt else "BILL TO", left_w)
    pdf.set_font(_TEXT, "B", 11)
    pdf.multi_cell(left_w, 5.4, customer.name, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_TEXT, "", 9.5)
    lines = []
    if customer.company:
        lines.append(customer.company)
    lines.extend(customer.address_lines)
    for text in lines:
        pdf.multi_cell(left_w, 4.6, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if customer.email:
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(
            left_w, 4.6, customer.email, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_text_color(*_INK)
    left_bottom = pdf.get_y()

    panel_w = pdf.epw * 0.34
    panel_x = pdf.w - pdf.r_margin - panel_w
    panel_h = 25.0
    with pdf.local_context(fill_color=_SHADE):
        pdf.rect(panel_x, top, panel_w, panel_h, style="F", round_corners=True, corner_radius=2)
    pad = 4.5
    pdf.set_xy(panel_x + pad, top + 3.5)
    _label(pdf, doc.amount_label.upper(), panel_w - 2 * pad, x=panel_x + pad)
    pdf.set_x(panel_x + pad)
    amount = _money(doc, doc.amount_due)
    _fit_font(pdf, amount, panel_w - 2 * pad, largest=18, smallest=10)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(panel_w - 2 * pad, 9, amount, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(_TEXT, "", 9)
    pdf.set_text_color(*_MUTED)
    if doc.receipt:
        caption = f"Paid {_long_date(doc.issue_date)}"
    elif _asks_for_payment(doc):
        caption = f"Due {_long_date(doc.due_date)}"
    else:
        caption = "No payment due"
    pdf.cell(panel_w - 2 * pad, 5, caption)
    pdf.set_text_color(*_INK)

    stamp = _stamp_word(doc)
    if stamp:
        gap_x = pdf.l_margin + left_w
        _stamp(pdf, stamp, cx=(gap_x + panel_x) / 2, cy=top + panel_h / 2, room=panel_x - gap_x)

    pdf.set_y(max(left_bottom, top + panel_h) + 9)


def _stamp_word(doc: InvoiceDocument) -> str:
    return (doc.status_stamp or "").strip().upper()


def _asks_for_payment(doc: InvoiceDocument) -> bool:
    """Whether the document asks for its amount due (a receipt's amount was paid)."""
    return doc.receipt is None and doc.amount_due > 0 and _stamp_word(doc) not in _SETTLED_STAMPS


def _stamp_colour(word: str) -> _RGB:
    return _STAMP_COLOURS.get(word, _STAMP_DEFAULT_COLOUR)


def _stamp(pdf: FPDF, word: str, *, cx: float, cy: float, room: float) -> None:
    """A rubber-stamp style status mark, tilted, centred on (cx, cy), at most `room` wide."""
    colour = _stamp_colour(word)
    inset = 4.0
    size = _fit_font(pdf, word, room - 2 * inset - 8, largest=14, smallest=7)
    width = pdf.get_string_width(word) + 2 * inset
    height = size * 0.65
    with (
        pdf.rotation(angle=10, x=cx, y=cy),
        pdf.local_context(draw_color=colour, text_color=colour, line_width=0.7),
    ):
        x, y = cx - width / 2, cy - height / 2
        pdf.rect(x, y, width, height, style="D", round_corners=True, corner_radius=1.5)
        pdf.set_line_width(0.3)
        pdf.rect(x + 1, y + 1, width - 2, height - 2, style="D", round_corners=True)
        pdf.set_xy(x, y)
        pdf.cell(width, height, word, align=Align.C)


def _fit_font(pdf: FPDF, text: str, width: float, *, largest: float, smallest: float) -> float:
    """Set the largest semibold size, down to `smallest`, at which `text` fits in `width`."""
    size = largest
    pdf.set_font(_TEXT, "B", size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(_TEXT, "B", size)
    return size


def _line_items(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """The item table; its heading row repeats on every page it spans."""
    pdf.set_font(_TEXT, "", 9.5)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    headings = FontFace(family=_TEXT, emphasis="B", size_pt=8.5, color=_MUTED, fill_color=_SHADE)
    with pdf.table(
        col_widths=(52, 10, 19, 19),
        text_align=(Align.L, Align.R, Align.R, Align.R),
        v_align=VAlign.T,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=headings,
        cell_fill_mode=TableCellFillMode.NONE,
        line_height=4.4,
        padding=(2.2, 2.0),
        repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
    ) as table:
        table.row(("DESCRIPTION", "QTY", "UNIT PRICE", "AMOUNT"))
        for item in doc.line_items:
            table.row(
                (
                    item.description,
                    item.quantity,
                    _money(doc, item.unit_price),
                    _money(doc, item.line_total),
                )
            )
    _rule(pdf, width=0.2)
    pdf.ln(4)


@dataclass(frozen=True, slots=True)
class _TotalRow:
    label: str
    amount: str
    strong: bool = False


def _total_rows(doc: InvoiceDocument) -> list[_TotalRow]:
    rows = [_TotalRow("Subtotal", _money(doc, doc.subtotal))]
    rows += [_TotalRow(d.label, _money(doc, -d.amount)) for d in doc.discounts]
    rows += [
        _TotalRow(f"{t.label} ({t.rate.strip().removesuffix('%').strip()}%)", _money(doc, t.amount))
        for t in doc.taxes
    ]
    rows.append(_TotalRow("Total", _money(doc, doc.total), strong=True))
    if doc.credits_applied:
        rows.append(_TotalRow("Credits applied", _money(doc, -doc.credits_applied)))
    return rows


def _totals(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """Subtotal, discounts, taxes, total, credits and the amount due, right under the table."""
    rows = _total_rows(doc)
    line_h, pad, band_h = 4.4, 0.9, 9.0
    block_w = pdf.epw * 0.5
    x = pdf.w - pdf.r_margin - block_w
    value_w = block_w * 0.36
    label_w = block_w - value_w

    def label_height(row: _TotalRow) -> float:
        _total_font(pdf, row)
        height = pdf.multi_cell(label_w, line_h, row.label, dry_run=True, output="HEIGHT")
        assert isinstance(height, int | float)
        return float(height) + 2 * pad

    heights = [label_height(row) for row in rows]
    if pdf.will_page_break(sum(heights) + band_h + 6):
        pdf.add_page()
    for row, height in zip(rows, heights, strict=True):
        top = pdf.get_y()
        if row.strong:
            pdf.set_draw_color(*_RULE)
            pdf.line(x, top, x + block_w, top)
        _total_font(pdf, row)
        pdf.set_xy(x, top + pad)
        pdf.multi_cell(label_w, line_h, row.label, align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(value_w, line_h, row.amount, align=Align.R)
        pdf.set_y(top + height)

    pdf.ln(2)
    with pdf.local_context(fill_color=_SHADE):
        pdf.rect(x, pdf.get_y(), block_w, band_h, style="F", round_corners=True, corner_radius=1.5)
    inset = 3.0
    pdf.set_x(x + inset)
    pdf.set_font(_TEXT, "B", 11)
    pdf.cell(label_w - inset, band_h, doc.amount_label, align=Align.L)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(value_w - inset, band_h, _money(doc, doc.amount_due), align=Align.R)
    pdf.set_text_color(*_INK)
    pdf.ln(band_h + 8)


def _total_font(pdf: FPDF, row: _TotalRow) -> None:
    pdf.set_font(_TEXT, "B" if row.strong else "", 10 if row.strong else 9.5)
    pdf.set_text_color(*(_INK if row.strong else _MUTED))


def _memo(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """The merchant's note to the customer, if any."""
    if not doc.memo:
        return
    if pdf.will_page_break(20):
        pdf.add_page()
    _label(pdf, "NOTES", pdf.epw)
    pdf.set_font(_TEXT, "", 9.5)
    pdf.multi_cell(pdf.epw, 4.8, doc.memo, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


@dataclass(frozen=True, slots=True)
class _Paragraph:
    text: str
    style: str = ""
    size: float = 9.5
    line_h: float = 4.8
    colour: _RGB = _INK
    link: str = ""

    def set_font(self, pdf: FPDF) -> None:
        pdf.set_font(_TEXT, self.style, self.size)
        pdf.set_text_color(*self.colour)

    def height(self, pdf: FPDF, width: float) -> float:
        self.set_font(pdf)
        height = pdf.multi_cell(width, self.line_h, self.text, dry_run=True, output="HEIGHT")
        assert isinstance(height, int | float)
        return float(height)

    def draw(self, pdf: FPDF, x: float, width: float) -> None:
        self.set_font(pdf)
        pdf.set_x(x)
        pdf.multi_cell(
            width,
            self.line_h,
            self.text,
            align=Align.L,
            link=self.link,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )


def _payment(pdf: _InvoicePdf, doc: InvoiceDocument) -> None:
    """How to pay: the payment link, clickable and as a QR code."""
    url = doc.payment_url
    if not url or not _asks_for_payment(doc):
        return
    qr_size, pad, gap = 30.0, 4.0, 1.0
    text_x = pdf.l_margin + 6
    qr_x = pdf.w - pdf.r_margin - pad - qr_size
    text_w = qr_x - text_x - 6
    paragraphs = (
        _Paragraph(
            f"Pay {_money(doc, doc.amount_due)} online by {_long_date(doc.due_date)}: "
            "scan the code with your phone or open this link."
        ),
        _Paragraph(url, style="B", colour=_ACCENT, link=url),
        _Paragraph(
            f"Please quote invoice number {doc.number} with any payment.",
            size=8.5,
            line_h=4.4,
            colour=_MUTED,
        ),
    )
    text_h = _LABEL_H + sum(p.height(pdf, text_w) + gap for p in paragraphs)
    box_h = max(qr_size + 2 * pad, text_h + 10)
    if pdf.will_page_break(box_h + 2):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, box_h, style="D", round_corners=True, corner_radius=2)
    qr_y = top + (box_h - qr_size) / 2
    _qr_code(pdf, url, x=qr_x, y=qr_y, size=qr_size)
    pdf.link(qr_x, qr_y, qr_size, qr_size, url)

    pdf.set_xy(text_x, top + 5)
    _label(pdf, "HOW TO PAY", text_w, x=text_x)
    for paragraph in paragraphs:
        paragraph.draw(pdf, text_x, text_w)
        pdf.ln(gap)
    pdf.set_text_color(*_INK)
    pdf.set_y(top + box_h + 4)


def _qr_code(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    """`data` as a vector QR code (crisp at any zoom), `size` mm square, no quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    module = size / len(matrix)
    with pdf.local_context(fill_color=(0, 0, 0)):
        for row_index, row in enumerate(matrix):
            for start, length in _dark_runs(row):
                # A hair of overlap hides anti-aliasing seams between adjacent modules.
                pdf.rect(
                    x + start * module,
                    y + row_index * module,
                    length * module + 0.02,
                    module + 0.02,
                    style="F",
                )


def _dark_runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    start: int | None = None
    for index, dark in enumerate((*row, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


def _label(pdf: FPDF, text: str, width: float, *, x: float | None = None) -> None:
    """A small muted capitals caption followed by a little space."""
    if x is not None:
        pdf.set_x(x)
    pdf.set_font(_TEXT, "B", 8)
    pdf.set_text_color(*_MUTED)
    pdf.set_char_spacing(0.4)
    pdf.cell(width, 4.5, text, new_x=XPos.LMARGIN if x is None else XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.set_text_color(*_INK)
    pdf.ln(_LABEL_H - 4.5)


def _rule(pdf: FPDF, width: float = 0.3) -> None:
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(width)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
