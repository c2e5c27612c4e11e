"""File writers of tabular exports: CSV (UTF-8 with BOM, so Excel opens Cyrillic), XLSX (XlsxWriter in
constant-memory mode: each row goes to disk as it is written) and PDF (reportlab, landscape, DejaVu
fonts for Cyrillic). Each writes a header (title, filters, who and when) above the table."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Final

import xlsxwriter  # type: ignore[import-untyped]
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from c122.services.exports.ports import Cell, ExportSpec, Row, TableWriter

FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
"""Debian's fonts-dejavu-core: a free font with Cyrillic."""
_FONT, _BOLD = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class CsvTable:
    def __init__(self, spec: ExportSpec, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, delimiter=";")
        self._csv.writerow([spec.header.title])
        for line in spec.header.lines:
            self._csv.writerow([line])
        self._csv.writerow([column.title for column in spec.columns])

    def write_rows(self, rows: Sequence[Row]) -> None:
        self._csv.writerows([_text(cell) for cell in row] for row in rows)

    def close(self) -> None:
        self._file.close()


class XlsxTable:
    def __init__(self, spec: ExportSpec, path: Path) -> None:
        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
        self._sheet = self._book.add_worksheet(spec.header.title[:31])
        self._time = self._book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
        bold = self._book.add_format({"bold": True})
        for index, column in enumerate(spec.columns):
            self._sheet.set_column(index, index, column.width)
        # Constant-memory mode writes row by row: the header rows come first, in order.
        self._sheet.write_string(0, 0, spec.header.title, bold)
        self._row = 1
        for line in spec.header.lines:
            self._sheet.write_string(self._row, 0, line)
            self._row += 1
        self._sheet.write_row(self._row, 0, [column.title for column in spec.columns], bold)
        self._sheet.freeze_panes(self._row + 1, 0)
        self._row += 1

    def write_rows(self, rows: Sequence[Row]) -> None:
        for row in rows:
            for index, cell in enumerate(row):
                if isinstance(cell, datetime):
                    self._sheet.write_datetime(self._row, index, cell, self._time)
                elif isinstance(cell, int | float):
                    self._sheet.write_number(self._row, index, cell)
                elif cell is not None:
                    self._sheet.write_string(self._row, index, cell)
            self._row += 1

    def close(self) -> None:
        self._book.close()


class PdfTable:
    """The rows are laid out when the file closes: PDF exports are bounded (PDF_MAX_ROWS)."""

    def __init__(self, spec: ExportSpec, path: Path) -> None:
        _register_fonts()
        self._spec = spec
        self._path = path
        self._cell = ParagraphStyle("cell", fontName=_FONT, fontSize=7, leading=8.5)
        self._rows: list[list[Paragraph]] = []

    def write_rows(self, rows: Sequence[Row]) -> None:
        self._rows.extend([Paragraph(_escape(_text(cell)), self._cell) for cell in row] for row in rows)

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


class FileTableWriters:
    """The TableWriters port: one writer class per format."""

    def open(self, spec: ExportSpec, path: Path) -> TableWriter:
        if spec.format == "csv":
            return CsvTable(spec, path)
        if spec.format == "xlsx":
            return XlsxTable(spec, path)
        return PdfTable(spec, path)
