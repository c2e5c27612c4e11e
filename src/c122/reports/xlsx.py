"""XLSX exports (XlsxWriter in constant-memory mode: each row goes to disk as it is written). Imported
when the first XLSX export is written, not when the server starts (`tables.FileTableWriters`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]

from c122.services.exports.ports import ExportSpec, Row


class XlsxTable:
    def __init__(self, spec: ExportSpec, path: Path) -> None:
        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
        self._sheet = self._book.add_worksheet(spec.header.title[:31])
        self._time = self._book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
        # A duration is a time value (a fraction of a day) shown as [h]:mm:ss: it reads as on screen and
        # still adds up and averages in formulas; [h] keeps totals over a day in hours.
        self._duration = self._book.add_format({"num_format": "[h]:mm:ss"})
        self._durations = [column.duration for column in spec.columns]
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
                elif isinstance(cell, int | float) and self._durations[index]:
                    self._sheet.write_number(self._row, index, cell / 86400, self._duration)
                elif isinstance(cell, int | float):
                    self._sheet.write_number(self._row, index, cell)
                elif cell is not None:
                    self._sheet.write_string(self._row, index, cell)
            self._row += 1

    def close(self) -> None:
        self._book.close()
