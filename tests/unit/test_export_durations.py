"""Durations in exports: h:mm:ss (m:ss under an hour) as text in csv and pdf, a time cell formatted
[h]:mm:ss in xlsx (a fraction of a day: it reads as on screen and still sums and averages)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from c122.reports.tables import FileTableWriters, duration_text
from c122.services.exports.ports import ExportColumn, ExportHeader, ExportSpec


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (59.4, "0:59"), (59.6, "1:00"), (150, "2:30"), (3600, "1:00:00"), (90_061, "25:01:01")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def _spec(format: str) -> ExportSpec:
    return ExportSpec(
        format=format,  # type: ignore[arg-type]
        filename="report",
        header=ExportHeader("Отчёт", ()),
        columns=(
            ExportColumn("Группа", 22),
            ExportColumn("Звонков", 14),
            ExportColumn("Разговор", 14, duration=True),
        ),
        expected_rows=2,
    )


ROWS = [["Справочная", 5, 150.0], ["Медицинская", 2, 90_061.0], ["Пустая", 0, None]]


def test_csv_writes_durations_as_text_and_counts_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    writer = FileTableWriters().open(_spec("csv"), path)
    writer.write_rows(ROWS)
    writer.close()
    lines = list(csv.reader(path.open(encoding="utf-8-sig"), delimiter=";"))
    assert lines[-3:] == [["Справочная", "5", "2:30"], ["Медицинская", "2", "25:01:01"], ["Пустая", "0", ""]]


def test_xlsx_writes_durations_as_time_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    writer = FileTableWriters().open(_spec("xlsx"), path)
    writer.write_rows(ROWS)
    writer.close()
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3))
    assert [c.value for c in rows[0][:2]] == ["Справочная", 5]
    talk = rows[0][2]
    assert talk.number_format == "[h]:mm:ss"
    value = talk.value
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value) * 86400  # type: ignore[arg-type]
    assert seconds == pytest.approx(150)
    long = rows[1][2].value
    assert (long.total_seconds() if isinstance(long, timedelta) else float(long) * 86400) == pytest.approx(
        90_061
    )  # type: ignore[arg-type]
    assert rows[1][1].number_format == "General"
