"""XLSX exports (XlsxWriter in constant-memory mode: each row goes to disk as it is written). Imported
when the first XLSX export is written, not when the server starts (`tables.FileTableWriters`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from operator import truediv
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.format import Format  # type: ignore[import-untyped]

from c122.services.exports.ports import Cell, ExportSpec, Row


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
        """Each column's writer is chosen once per batch where its cells are all of one type (a
        duration column turned into day fractions in one pass); a mixed column's cells one by one."""
        if len(lengths := set(map(len, rows))) != 1 or 0 in lengths:  # no export writes such rows
            for row in rows:
                for index, cell in enumerate(row):
                    self._write_any(self._row, index, cell, None)
                self._row += 1
            return
        columns = list(zip(*rows, strict=True))
        writers: list[Callable[[int, int, Cell, Format | None], object]] = []
        formats: list[Format | None] = []
        for index, cells in enumerate(columns):
            kinds = set(map(type, cells))
            duration = index < len(self._durations) and self._durations[index]
            if kinds == {str}:
                writers.append(self._sheet.write_string)
                formats.append(None)
            elif kinds == {datetime}:
                writers.append(self._sheet.write_datetime)
                formats.append(self._time)
            elif kinds <= {int, float} and duration:
                columns[index] = tuple(map(truediv, cells, repeat(86400)))
                writers.append(self._sheet.write_number)
                formats.append(self._duration)
            elif kinds <= {int, float}:
                writers.append(self._sheet.write_number)
                formats.append(None)
            else:
                writers.append(self._write_any)
                formats.append(None)
        indices = range(len(columns))
        line = self._row
        for row in zip(*columns, strict=True):
            for index, write, cell, format in zip(indices, writers, row, formats, strict=True):
                write(line, index, cell, format)
            line += 1
        self._row = line

    def _write_any(self, line: int, index: int, cell: Cell, _: Format | None) -> None:
        if isinstance(cell, datetime):
            self._sheet.write_datetime(line, index, cell, self._time)
        elif isinstance(cell, int | float) and index < len(self._durations) and self._durations[index]:
            self._sheet.write_number(line, index, cell / 86400, self._duration)
        elif isinstance(cell, int | float):
            self._sheet.write_number(line, index, cell)
        elif cell is not None:
            self._sheet.write_string(line, index, cell)

    def close(self) -> None:
        self._book.close()
