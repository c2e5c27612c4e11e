"""File writers of tabular exports: CSV (UTF-8 with BOM, so Excel opens Cyrillic), XLSX (XlsxWriter in
constant-memory mode: each row goes to disk as it is written) and PDF (reportlab, landscape, DejaVu
fonts for Cyrillic). Each writes a header (title, filters, who and when) above the table.

XLSX and PDF live in their own modules, imported on the first export of their format: XlsxWriter and
reportlab take about two seconds to import, which a restarted server does not spend before it takes
calls again (docs/operations.md, "What survives a restart")."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from c122.services.exports.ports import Cell, ExportSpec, Row, TableWriter


def cell_text(value: Cell, *, duration: bool = False) -> str:
    if value is None:
        return ""
    if duration and isinstance(value, int | float):
        return duration_text(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def duration_text(seconds: float) -> str:
    """h:mm:ss, or m:ss under an hour: as the statistics screens and the report builder show it."""
    total = round(seconds)
    sign, total = ("-", -total) if total < 0 else ("", total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"


class CsvTable:
    def __init__(self, spec: ExportSpec, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, delimiter=";")
        self._durations = [column.duration for column in spec.columns]
        self._csv.writerow([spec.header.title])
        for line in spec.header.lines:
            self._csv.writerow([line])
        self._csv.writerow([column.title for column in spec.columns])

    def write_rows(self, rows: Sequence[Row]) -> None:
        # Text cells (most of them) as they are: one call less per cell over a million rows.
        durations = self._durations
        self._csv.writerows(
            [
                cell if type(cell) is str else cell_text(cell, duration=d)
                for cell, d in zip(row, durations, strict=False)
            ]
            for row in rows
        )

    def close(self) -> None:
        self._file.close()


class FileTableWriters:
    """The TableWriters port: one writer class per format."""

    def open(self, spec: ExportSpec, path: Path) -> TableWriter:
        if spec.format == "csv":
            return CsvTable(spec, path)
        if spec.format == "xlsx":
            from c122.reports.xlsx import XlsxTable  # here, not at start-up (see above)

            return XlsxTable(spec, path)
        from c122.reports.pdf import PdfTable  # here, not at start-up (see above)

        return PdfTable(spec, path)
