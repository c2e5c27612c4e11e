"""The call's columns the journal filters on, copied onto its legs and its links to cases
(tables/calls.py, CALL_COPIES; migration 0061), and kept true by whoever writes them: the legs are
written with their record (calls.py, save_many), a link takes its call's columns when it is made and
again whenever the record is written (the record may come after the link), and its case's source when
made (a case's source is set when it is opened and never changes: cases.py). The applicant's name is not
copied: a name's links are found by their cases' ids, and each case's search text follows its applicant
(cases.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.calls import CallRecord
from c122.persistence.tables.calls import CALL_COPIES, call_cases, call_records
from c122.persistence.tables.cases import cases


def leg_copies(record: CallRecord) -> dict[str, Any]:
    """The record's columns as each of its legs carries them."""
    return {"call_started_at": record.started_at} | {
        f"call_{name}": getattr(record, name) for name in CALL_COPIES
    }


async def copy_calls_onto_links(db: AsyncConnection, *where: Any) -> None:
    """The links (those meeting `where`) take their calls' start and columns from the records (None
    where a record is not written yet)."""
    r = call_records.c
    own = r.id == call_cases.c.call_id
    copied = {f"call_{name}": select(r[name]).where(own).scalar_subquery() for name in CALL_COPIES}
    copied["call_started_at"] = select(r.started_at).where(own).scalar_subquery()
    await db.execute(update(call_cases).where(*where).values(copied))


async def copy_cases_onto_links(db: AsyncConnection, case_ids: Sequence[int]) -> None:
    """The links of these cases take their case's source."""
    source = select(cases.c.source).where(cases.c.id == call_cases.c.case_id).scalar_subquery()
    await db.execute(update(call_cases).where(call_cases.c.case_id.in_(case_ids)).values(case_source=source))
