"""The journal's case filters as they were first written, a correlated EXISTS per call: the reference
the indexed form (persistence/calls.py, case_match) must agree with, in tests and in the benchmark."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from c122.persistence.tables.calls import call_cases, call_records
from c122.persistence.tables.cases import cases


def correlated_case_match(case_conditions: Sequence[Any], *, walk_in_order: bool = False) -> Any:
    linked = (
        select(call_cases.c.call_id)
        .join(cases, cases.c.id == call_cases.c.case_id)
        .where(call_cases.c.call_id == call_records.c.id, *case_conditions)
    )
    return linked.exists()
