"""How the call distribution reacts to other features' internal events."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from c122.domain.organisation import EntityKind
from c122.services.cases.events import CallCaseChanged, CaseStatusChanged
from c122.services.contact_center.service import ContactCenter
from c122.services.internal_events import InternalEventBus
from c122.services.organisation.events import OrganisationChanged
from c122.services.supervision.ports import CaseInWork

# What the ACD's setup is built from (contact_center/setup.py).
SETUP_KINDS = frozenset({EntityKind.QUEUE, EntityKind.GROUP, EntityKind.USER})


def subscribe(bus: InternalEventBus, center: ContactCenter) -> None:
    """A changed queue, group or account reaches the running ACD: it re-reads its setup; a call's card
    in work reaches the senior's board; a closed card's chat leaves the distribution."""
    pending: set[asyncio.Task[None]] = set()

    def later(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        pending.add(task)
        task.add_done_callback(pending.discard)

    def reload_setup(event: OrganisationChanged) -> None:
        if event.kind in SETUP_KINDS:
            later(center.reload())

    bus.subscribe(OrganisationChanged, reload_setup)

    def case_in_work(event: CallCaseChanged) -> None:
        if not center.started:
            return
        case = CaseInWork(event.case_id, event.name, event.number, event.type_name)
        for call_id in event.call_ids:
            center.call_case(call_id, case)

    bus.subscribe(CallCaseChanged, case_in_work)

    def case_closed(event: CaseStatusChanged) -> None:
        if not event.active and center.started:
            later(center.end_case_chat(event.case_id))

    bus.subscribe(CaseStatusChanged, case_closed)
