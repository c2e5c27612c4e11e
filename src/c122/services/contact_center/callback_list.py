"""The ACD's callback entries as the abandoned-calls list shows them (TEL-06), with the queue's and the
taking operator's names."""

from __future__ import annotations

from c122.domain.acd.state import AcdState
from c122.services.abandoned.ports import CallbackListEntry
from c122.services.contact_center.setup import CenterSetup


def callback_entries(state: AcdState, setup: CenterSetup) -> list[CallbackListEntry]:
    """Oldest abandon first."""
    rows: list[CallbackListEntry] = []
    for entry in state.callbacks.values():
        queue = setup.queues.get(int(entry.queue_id))
        if queue is None:
            continue
        waiting = state.waiting.get(entry.entry_id)
        claimer = int(entry.claimed_by) if entry.claimed_by is not None else None
        staff = setup.staff.get(claimer) if claimer is not None else None
        rows.append(
            CallbackListEntry(
                entry_id=entry.entry_id,
                queue_id=queue.id,
                queue_name=queue.name,
                group_id=queue.group_id,
                caller=entry.caller,
                abandoned_at=entry.abandoned_at,
                waited_s=entry.waited_s,
                sla_breached=entry.sla_breached,
                offered=waiting is not None and bool(waiting.offered_to),
                claimed_by=claimer,
                claimed_by_name=staff.full_name if staff is not None else None,
            )
        )
    rows.sort(key=lambda row: (row.abandoned_at, row.entry_id))
    return rows
