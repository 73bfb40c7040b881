"""The report PDF's annex: every tenant of the scope in one ranked table, drawn with ReportLab.

WeasyPrint lays a table out cell by cell (about 11 ms a row, a minute at 5,000 tenants); the
annex is a grid of fixed rows, so it is drawn straight onto a ReportLab canvas: the rows of a
page are known before drawing, the header is repeated on each page, and "page N of M" is
known from the start. console/report_pdf.py merges it after the WeasyPrint pages.

Names are drawn in DejaVu Sans, embedded, which has glyphs for most Arabic-script letters
(ReportLab's Helvetica is Latin-1 only). Urdu is not shaped: ReportLab shapes and orders
right-to-left text only with uharfbuzz and rlbidi, which the platform does not install, so an
Urdu name prints as unjoined letters left to right, and DejaVu Sans has no heh goal (U+06C1)
or yeh barree (U+06D2), drawn as boxes. The WeasyPrint pages shape Urdu (Pango does).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIRS = ("static/vendor/fonts", "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 14 * mm, 14 * mm, 14 * mm, 16 * mm
SIZE, HEADER_SIZE = 7.0, 6.0
ROW = 9.4  # points: one line of 7 pt text and its padding
PAD = 2.0
LAGGARD = colors.HexColor("#c62828")
LEADER = colors.HexColor("#2e7d32")
ZEBRA = colors.HexColor("#f2f4f7")
HEAD = colors.HexColor("#e8eef4")
MUTED = colors.HexColor("#555555")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


@cache
def fonts() -> Fonts:
    """DejaVu Sans embedded when it is found (the repository's fonts, then the system's);
    Helvetica otherwise, which draws only Latin-1."""
    for folder in FONT_DIRS:
        base = Path(folder) if folder.startswith("/") else Path(settings.BASE_DIR) / folder
        regular, bold = base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("AnnexSans", str(regular)))
            pdfmetrics.registerFont(TTFont("AnnexSans-Bold", str(bold)))
            return Fonts("AnnexSans", "AnnexSans-Bold")
    return Fonts("Helvetica", "Helvetica-Bold")


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # points
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]
    mark: str = ""  # "laggard" (red), "leader" (green) or ""


@dataclass(frozen=True)
class Annex:
    title: str
    legend: str
    footer: str  # the report's name and month, bottom left of every page
    columns: Sequence[Column]
    rows: Sequence[Row]


HEADER_HEIGHT = 2 * (HEADER_SIZE + 1) + 2 * PAD
TITLE_HEIGHT = 24.0
ROWS_PER_PAGE = int((PAGE_HEIGHT - TOP - BOTTOM - TITLE_HEIGHT - HEADER_HEIGHT) // ROW)


def page_count(rows: int) -> int:
    return max(1, math.ceil(rows / ROWS_PER_PAGE))


def fitted(text: str, font: str, size: float, width: float) -> str:
    """The text cut in the middle (departments of one ministry differ at their end) until it
    fits the width."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    keep = len(text) - 1
    while keep > 1:
        head = keep // 2
        cut = text[:head] + "…" + text[len(text) - (keep - head) :]
        if pdfmetrics.stringWidth(cut, font, size) <= width:
            return cut
        keep -= 1
    return "…"


def _header_lines(label: str, font: str, width: float) -> list[str]:
    """The label on one line, or two split at the last space that fits."""
    if pdfmetrics.stringWidth(label, font, HEADER_SIZE) <= width or " " not in label:
        return [label]
    words = label.split(" ")
    for split in range(len(words) - 1, 0, -1):
        first = " ".join(words[:split])
        if pdfmetrics.stringWidth(first, font, HEADER_SIZE) <= width:
            return [first, " ".join(words[split:])]
    return [words[0], " ".join(words[1:])]


def _draw_header(canvas: Canvas, annex: Annex, top: float, font: Fonts) -> None:
    width = sum(column.width for column in annex.columns)
    canvas.setFillColor(HEAD)
    canvas.rect(LEFT, top - HEADER_HEIGHT, width, HEADER_HEIGHT, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont(font.bold, HEADER_SIZE)
    x = LEFT
    for column in annex.columns:
        lines = _header_lines(column.label, font.bold, column.width - 2 * PAD)
        # Bottom-aligned, as the numbers under them are.
        y = top - HEADER_HEIGHT + PAD + 1 + (len(lines) - 1) * (HEADER_SIZE + 1)
        for line in lines:
            if column.numeric:
                canvas.drawRightString(x + column.width - PAD, y, line)
            else:
                canvas.drawString(x + PAD, y, line)
            y -= HEADER_SIZE + 1
        x += column.width


def _draw_rows(canvas: Canvas, annex: Annex, rows: Sequence[Row], top: float, font: Fonts) -> None:
    width = sum(column.width for column in annex.columns)
    canvas.setFont(font.regular, SIZE)
    y = top
    for number, row in enumerate(rows):
        y -= ROW
        if number % 2:
            canvas.setFillColor(ZEBRA)
            canvas.rect(LEFT, y, width, ROW, stroke=0, fill=1)
        colour = LAGGARD if row.mark == "laggard" else LEADER if row.mark == "leader" else None
        if colour is not None:
            # A bar at the row's start as well as the colour: it still shows in grey print.
            canvas.setFillColor(colour)
            canvas.rect(LEFT - 2.5, y + 1, 1.5, ROW - 2, stroke=0, fill=1)
        canvas.setFillColor(colour or colors.black)
        x = LEFT
        baseline = y + PAD + 0.6
        for column, cell in zip(annex.columns, row.cells, strict=True):
            if column.numeric:
                canvas.drawRightString(x + column.width - PAD, baseline, cell)
            else:
                text = fitted(cell, font.regular, SIZE, column.width - 2 * PAD)
                canvas.drawString(x + PAD, baseline, text)
            x += column.width


def render_annex(annex: Annex) -> bytes:
    """The annex as PDF bytes: A4 pages of ROWS_PER_PAGE rows under a repeated header, each
    page footed "Annex: page N of M"."""
    font = fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(annex.title)
    pages = page_count(len(annex.rows))
    page_of = _("Annex: page %(page)s of %(pages)s")
    for page in range(pages):
        top = PAGE_HEIGHT - TOP
        canvas.setFillColor(colors.black)
        canvas.setFont(font.bold, 10)
        canvas.drawString(LEFT, top - 10, annex.title)
        canvas.setFillColor(MUTED)
        canvas.setFont(font.regular, 6.5)
        canvas.drawString(LEFT, top - 19, annex.legend)
        top -= TITLE_HEIGHT
        _draw_header(canvas, annex, top, font)
        chunk = annex.rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
        _draw_rows(canvas, annex, chunk, top - HEADER_HEIGHT, font)
        if not annex.rows:
            canvas.setFont(font.regular, SIZE)
            canvas.drawString(LEFT + PAD, top - HEADER_HEIGHT - ROW + PAD, _("No tenants."))
        canvas.setFillColor(MUTED)
        canvas.setFont(font.regular, 8)
        canvas.drawString(LEFT, BOTTOM - 8 * mm, annex.footer)
        canvas.drawCentredString(
            PAGE_WIDTH / 2, BOTTOM - 8 * mm, page_of % {"page": page + 1, "pages": pages}
        )
        canvas.showPage()
    canvas.save()
    return out.getvalue()
