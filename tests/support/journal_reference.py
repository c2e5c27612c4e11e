"""References the journal's faster forms must agree with, in tests and in the benchmark: the case
filters as they were first written (a correlated EXISTS per call), and an export's row made from the
journal's own row of a call; and every call a query lists, page after page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import Any

from sqlalchemy import select

from c122.domain.calls import CallQuery, JournalRow
from c122.persistence.tables.calls import call_cases, call_records
from c122.persistence.tables.cases import cases
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.calls.export import DIRECTION_LABELS, SOURCE_LABELS, STATUS_LABELS
from c122.services.exports.ports import Row


def correlated_case_match(
    case_conditions: Sequence[Any],
    *,
    walk_in_order: bool = False,
    call_id: Any = call_records.c.id,
    case_calls: Any = None,
) -> Any:
    linked = (
        select(call_cases.c.call_id)
        .join(cases, cases.c.id == call_cases.c.case_id)
        .where(call_cases.c.call_id == call_id, *case_conditions)
    )
    return linked.exists()


async def every_page(factory: SqlUnitOfWorkFactory, query: CallQuery) -> tuple[list[str], int]:
    """Every call the query lists, page after page by keyset, and the count of them."""
    ids: list[str] = []
    wanted = replace(query.filter, limit=200)
    async with factory() as uow:
        counted = await uow.calls.count_calls(query)
    while True:
        async with factory() as uow:
            page = await uow.calls.list_calls(replace(query, filter=wanted))
        ids += [item.record.id for item in page.items]
        if page.next_cursor is None:
            return ids, counted.total
        wanted = replace(wanted, after=page.next_cursor)


def unguarded_case_match(
    case_conditions: Sequence[Any],
    *,
    walk_in_order: bool = False,
    call_id: Any = call_records.c.id,
    case_calls: Any = None,
) -> Any:
    """The case filters as they were before the `EXISTS` ahead of the walk (the benchmark's baseline)."""
    linked = (
        select(call_cases.c.call_id).join(cases, cases.c.id == call_cases.c.case_id).where(*case_conditions)
    )
    tested = call_id.concat("") if walk_in_order else call_id
    return tested.in_(linked)


def screen_row(row: JournalRow, zone: tzinfo) -> Row:
    """A call's export row made from the journal's own row (what the screen shows for it): the reference
    the export's plain reading (CallRecordService._rows, services/calls/export.py) must agree with."""
    record = row.record
    applicant = record.called if record.direction == "outbound" else record.caller
    return (
        record.started_at.astimezone(zone).replace(tzinfo=None),
        DIRECTION_LABELS.get(record.direction, record.direction),
        STATUS_LABELS.get(record.status, record.status),
        applicant,
        "; ".join(dict.fromkeys(c.applicant for c in row.cases if c.applicant)),
        row.line_name or record.line_number or "",
        row.case_type_name or record.ivr_choice or "",
        row.group_name or "",
        ", ".join(row.participants) or (row.operator_name or ""),
        round(record.wait_s, 1),
        round(record.talk_s, 1),
        "; ".join(f"{c.name} ({c.type_name}, {c.status})" for c in row.cases),
        ", ".join(dict.fromkeys(SOURCE_LABELS.get(c.source, c.source) for c in row.cases)),
    )
