"""The call's columns the journal filters on, copied onto its legs and its links to cases
(tables/calls.py, CALL_COPIES; migration 0061), and kept true by whoever writes them: the legs are
written with their record (calls.py, save_many), a link takes its call's columns when it is made and
again whenever the record is written (the record may come after the link),
and its case's source when made (a case's source is set when it is opened and never changes: cases.py).
The applicant's name is not copied: a name's links are found by their cases' ids, and each case's search
text follows its applicant (cases.py).

The call path writes them with the values it has in memory, a statement per batch: the links of a batch
of records in one executemany after the records' upsert (`copy_records_onto_links`), the
links a case card makes in one executemany that reads their calls' columns as it goes (`link_calls`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.calls import CallRecord
from c122.persistence.tables.calls import CALL_COPIES, call_cases, call_records

COPIED = ("call_started_at", *(f"call_{name}" for name in CALL_COPIES))
"""The links' (and legs') columns copied from their record."""
RECORD_COPIED = ("started_at", *CALL_COPIES)
"""The record's columns they are copied from, in the same order."""


def leg_copies(record: CallRecord) -> dict[str, Any]:
    """The record's columns as each of its legs carries them."""
    return {"call_started_at": record.started_at} | {
        f"call_{name}": getattr(record, name) for name in CALL_COPIES
    }


async def copy_records_onto_links(db: AsyncConnection, records: Sequence[CallRecord]) -> None:
    """The links of these records take their columns from the records in memory: one statement for the
    batch (an executemany of one row per record; a record without links updates nothing)."""
    if not records:
        return
    statement = (
        update(call_cases)
        .where(call_cases.c.call_id == bindparam("b_call_id"))
        .values({name: bindparam(f"b_{name}") for name in COPIED})
    )
    await db.execute(
        statement,
        [
            {"b_call_id": record.id, **{f"b_{k}": v for k, v in leg_copies(record).items()}}
            for record in records
        ],
    )


async def link_calls(db: AsyncConnection, links: Sequence[tuple[int, str, str]]) -> None:
    """The links (case id, call id, the case's source) made in one executemany, each with its call's
    columns read from the stored record as it is inserted (None where the record is not written yet:
    its first save copies them)."""
    if not links:
        return
    r = call_records.c
    own = r.id == bindparam("l_call_id")
    copied = {
        copy: select(r[name]).where(own).scalar_subquery()
        for copy, name in zip(COPIED, RECORD_COPIED, strict=True)
    }
    statement = insert(call_cases).values(
        call_id=bindparam("l_call_id"),
        case_id=bindparam("l_case_id"),
        case_source=bindparam("l_source"),
        **copied,
    )
    await db.execute(
        statement,
        [
            {"l_case_id": case_id, "l_call_id": call_id, "l_source": source}
            for case_id, call_id, source in links
        ],
    )
