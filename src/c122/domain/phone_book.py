"""The phone book (OPS-21, seed 4.3.6): speed-dial numbers of the organisation and of each operator.

A speed-dial number is either a short service number (112, 101–104, 03…) dialled as it is, or a public
number in E.164. The organisation's list is loaded by an administrator, one at a time or from CSV, where
each line is judged on its own: valid lines are kept, the others reported by line number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.phones import InvalidPhone, normalize_phone

NAME_MAX = 200
NOTE_MAX = 500
IMPORT_MAX_LINES = 5_000
_SHORT_NUMBER = re.compile(r"^\d{2,6}$")
_SEPARATORS = re.compile(r"[\s()\-.]")
_HEADER_WORDS = {"number", "номер", "телефон", "phone"}


@dataclass(frozen=True)
class ContactDraft:
    """A contact as entered: name, number as it will be dialled, an optional note."""

    name: str
    number: str
    note: str = ""


@dataclass(frozen=True)
class LineProblem:
    """A CSV line that was not imported, and why (`invalid_phone`, `name_length`, `duplicate`...)."""

    line: int
    code: str
    message: str


def speed_dial_number(raw: str) -> str:
    """The number as dialled: a short service number kept as digits, anything else in E.164."""
    compact = _SEPARATORS.sub("", raw.strip())
    if _SHORT_NUMBER.match(compact):
        return compact
    return normalize_phone(raw)


def checked_contact(name: str, number: str, note: str = "") -> ContactDraft:
    """The contact as stored, or InvalidFields naming each bad field."""
    problems: list[FieldProblem] = []
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX:
        problems.append(FieldProblem("name", "name_length", f"название: от 1 до {NAME_MAX} символов"))
    clean_number = ""
    try:
        clean_number = speed_dial_number(number)
    except InvalidPhone as exc:
        problems.append(FieldProblem("number", "invalid_phone", f"номер «{number.strip()}»: {exc}"))
    clean_note = note.strip()
    if len(clean_note) > NOTE_MAX:
        problems.append(FieldProblem("note", "note_length", f"примечание: не более {NOTE_MAX} символов"))
    if problems:
        raise InvalidFields(problems)
    return ContactDraft(clean_name, clean_number, clean_note)


@dataclass(frozen=True)
class ParsedImport:
    contacts: list[tuple[int, ContactDraft]]  # (line number, contact)
    problems: list[LineProblem]


def parse_contacts_csv(text: str) -> ParsedImport:
    """Lines `name;number[;note]` (comma or semicolon), an optional header line, UTF-8 with or
    without BOM. A number met twice in the file keeps its first line; the later ones are duplicates."""
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) > IMPORT_MAX_LINES:
        raise InvalidFields(
            [FieldProblem("file", "too_many_lines", f"не более {IMPORT_MAX_LINES} строк в одном файле")]
        )
    delimiter = ";" if any(";" in line for line in lines[:5]) else ","
    contacts: list[tuple[int, ContactDraft]] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter), start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if number == 1 and len(cells) > 1 and cells[1].strip().lower() in _HEADER_WORDS:
            continue
        if len(cells) < 2:
            problems.append(LineProblem(number, "columns", "нужны столбцы: название; номер; примечание"))
            continue
        try:
            contact = checked_contact(cells[0], cells[1], cells[2] if len(cells) > 2 else "")
        except InvalidFields as exc:
            problems.extend(LineProblem(number, p.code, p.message) for p in exc.problems)
            continue
        if contact.number in seen:
            problems.append(
                LineProblem(
                    number, "duplicate", f"номер {contact.number} уже в строке {seen[contact.number]}"
                )
            )
            continue
        seen[contact.number] = number
        contacts.append((number, contact))
    return ParsedImport(contacts, problems)
