"""PDF exports (reportlab, landscape, DejaVu fonts for Cyrillic). Imported when the first PDF export is
written, not when the server starts (`tables.FileTableWriters`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from c122.reports.tables import cell_text
from c122.services.exports.ports import ExportSpec, Row

FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
"""Debian's fonts-dejavu-core: a free font with Cyrillic."""
_FONT, _BOLD = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"


class PdfTable:
    """The rows are laid out when the file closes: PDF exports are bounded (PDF_MAX_ROWS)."""

    def __init__(self, spec: ExportSpec, path: Path) -> None:
        _register_fonts()
        self._spec = spec
        self._path = path
        self._cell = ParagraphStyle("cell", fontName=_FONT, fontSize=7, leading=8.5)
        self._rows: list[list[Paragraph]] = []

    def write_rows(self, rows: Sequence[Row]) -> None:
        durations = [column.duration for column in self._spec.columns]
        self._rows.extend(
            [
                Paragraph(_escape(cell_text(cell, duration=d)), self._cell)
                for cell, d in zip(row, durations, strict=False)
            ]
            for row in rows
        )

    def close(self) -> None:
        page = landscape(A4)
        document = SimpleDocTemplate(
            str(self._path),
            pagesize=page,
            leftMargin=10 * mm,
            rightMargin=10 * mm,
            topMargin=10 * mm,
            bottomMargin=10 * mm,
            title=self._spec.header.title,
        )
        title = ParagraphStyle("title", fontName=_BOLD, fontSize=13, leading=16)
        note = ParagraphStyle("note", fontName=_FONT, fontSize=8, leading=10)
        heading = ParagraphStyle("heading", fontName=_BOLD, fontSize=7, leading=8.5)
        total = sum(column.width for column in self._spec.columns) or 1
        widths = [document.width * column.width / total for column in self._spec.columns]
        header_row = [Paragraph(_escape(column.title), heading) for column in self._spec.columns]
        table = LongTable([header_row, *self._rows], colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        story = [Paragraph(_escape(self._spec.header.title), title)]
        story += [Paragraph(_escape(line), note) for line in self._spec.header.lines]
        story += [Spacer(1, 4 * mm), table]
        document.build(story)
        self._rows = []


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _register_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (_FONT, _BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
