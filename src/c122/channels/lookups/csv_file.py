"""The plug-in shipped with the product (entry point `csv`): a registry exported to a CSV file
(`;` or `,` separated, a header line). Options: `path`, and for each key the column to match,
e.g. `phone=Телефон`, `snils=СНИЛС`. Phones and numbers are compared by their digits, names without
regard to case."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

from c122.services.lookups.ports import LookupFailed


def _digits(text: str) -> str:
    found = "".join(ch for ch in text if ch.isdigit())
    return found[-10:] if len(found) == 11 and found[0] in "78" else found


def _same(key: str, stored: str, wanted: str) -> bool:
    if key == "name":
        return stored.strip().casefold() == wanted.casefold()
    return bool(stored) and _digits(stored) == _digits(wanted)


def _read(path: Path, column: str, key: str, value: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise LookupFailed("unavailable", "файл справочника не найден")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=";,") if sample else csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise LookupFailed("bad_answer", f"в файле нет столбца «{column}»")
        return [dict(row) for row in reader if _same(key, row.get(column) or "", value)]


async def lookup(key: str, value: str, options: dict[str, str]) -> list[dict[str, Any]]:
    path = Path(options.get("path", ""))
    column = options.get(key, "")
    if not column:
        raise LookupFailed("bad_answer", f"не указан столбец для поиска по «{key}»")
    return await asyncio.to_thread(_read, path, column, key, value)
