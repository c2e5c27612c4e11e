"""How push reacts to the other features' facts: a request's status changed, or an operator answered
in its chat — the device the request came from is pushed (in the background); a status change it
cannot be pushed goes by SMS (status_notice.py)."""

from __future__ import annotations

from c122.domain.push import message_push
from c122.services.cases.events import CaseStatusChanged
from c122.services.citizen.events import OperatorAnswered
from c122.services.internal_events import InternalEventBus
from c122.services.push.service import AppPush
from c122.services.push.status_notice import StatusNotices


def subscribe(bus: InternalEventBus, push: AppPush, notices: StatusNotices) -> None:
    def status_changed(event: CaseStatusChanged) -> None:
        push.later(notices.status_changed(event.case_id, event.name, event.status_label, event.active))

    def answered(event: OperatorAnswered) -> None:
        push.later(push.notify_case(event.case_id, message_push(event.case_id, event.case_name, event.text)))

    bus.subscribe(CaseStatusChanged, status_changed)
    bus.subscribe(OperatorAnswered, answered)
