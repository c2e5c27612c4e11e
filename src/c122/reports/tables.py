"""File writers of tabular exports: CSV (UTF-8 with BOM, so Excel opens Cyrillic), XLSX (XlsxWriter in
constant-memory mode: each row goes to disk as it is written) and PDF (reportlab, landscape, DejaVu
fonts for Cyrillic). Each writes a header (title, filters, who and when) above the table.

XLSX and PDF live in their own modules, imported on the first export of their format: XlsxWriter and
reportlab take about two seconds to import, which a restarted server does not spend before it takes
calls again (docs/operations.md, "What survives a restart")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import IO

from c122.services.exports.ports import Cell, ExportSpec, Row, TableWriter

MOMENT = "%d.%m.%Y %H:%M:%S"


def cell_text(value: Cell, *, duration: bool = False) -> str:
    if value is None:
        return ""
    if duration and isinstance(value, int | float):
        return duration_text(value)
    if isinstance(value, datetime):
        return value.strftime(MOMENT)
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
    """Each batch is converted column by column (a column of text as it is, one of moments or numbers
    formatted by a single C-level pass where its cells are all of one type) and written as one encoded
    chunk: no Python call per text cell, no write per row."""

    def __init__(self, spec: ExportSpec, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._chunk = io.StringIO()
        self._csv = csv.writer(self._chunk, delimiter=";")
        self._durations = [column.duration for column in spec.columns]
        self._csv.writerow([spec.header.title])
        for line in spec.header.lines:
            self._csv.writerow([line])
        self._csv.writerow([column.title for column in spec.columns])
        self._flush()

    def write_rows(self, rows: Sequence[Row]) -> None:
        durations = self._durations
        if len(lengths := set(map(len, rows))) == 1 and 0 not in lengths:
            columns = zip(*rows, strict=True)
            shown = [_csv_column(cells, d) for cells, d in zip(columns, durations, strict=False)]
            self._csv.writerows(zip(*shown, strict=True))
        else:  # rows of different lengths (none of the exports writes such): row by row
            self._csv.writerows(
                [cell_text(cell, duration=d) for cell, d in zip(row, durations, strict=False)] for row in rows
            )
        self._flush()

    def _flush(self) -> None:
        self._file.write(self._chunk.getvalue())
        self._chunk.seek(0)
        self._chunk.truncate()

    def close(self) -> None:
        self._file.close()


def _csv_column(cells: Sequence[Cell], duration: bool) -> Iterable[object]:
    """A column's cells as the csv shows them (`cell_text`)."""
    kinds = set(map(type, cells))
    if kinds == {str}:
        return cells
    if kinds == {datetime}:
        return map(datetime.strftime, cells, repeat(MOMENT))  # type: ignore[arg-type]
    if kinds == {float} and not duration:
        return map(format, cells, repeat("g"))
    if kinds == {int} and not duration:
        return map(str, cells)
    return [cell_text(cell, duration=duration) for cell in cells]


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
