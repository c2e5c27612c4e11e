"""The live events of monitoring (docs/events/monitoring.md): to the senior, and to the operator when
their group shows them that they are monitored."""

from __future__ import annotations

from datetime import datetime

from c122.domain.monitoring import MonitoringSession
from c122.services.events import Audience, OutboundEvent

MONITORING_STARTED = "monitoring.started"
MONITORING_MODE_CHANGED = "monitoring.mode_changed"
MONITORING_ENDED = "monitoring.ended"


def monitoring_event(kind: str, session: MonitoringSession, at: datetime) -> OutboundEvent:
    audience = {session.supervisor_id}
    if session.operator_notified:
        audience.add(session.operator_id)
    return OutboundEvent(
        type=kind,
        data={
            "session_id": session.id,
            "call_id": session.call_id,
            "supervisor_id": session.supervisor_id,
            "operator_id": session.operator_id,
            "mode": session.mode.value,
            "audio": session.audio,
            "started_at": session.started_at,
            "mode_since": session.modes[-1].started_at,
            "ended_at": session.ended_at,
            "reason": session.end_reason.value if session.end_reason else None,
        },
        audience=Audience(user_ids=frozenset(audience)),
        occurred_at=at,
    )
