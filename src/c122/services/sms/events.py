"""What the SMS channel tells the desktops: `sms.changed` when a message is queued, changes state or
arrives. It carries no phone number and no text: the card reads the list again through the API,
which checks the reader's right to the case."""

from __future__ import annotations

from datetime import datetime

from c122.domain.sms import Sms
from c122.services.events import Audience, OutboundEvent

SMS_CHANGED = "sms.changed"


def sms_changed(sms: Sms, audience: Audience, at: datetime) -> OutboundEvent:
    data = {
        "id": sms.id,
        "case_id": sms.case_id,
        "direction": sms.direction.value,
        "state": sms.state.value,
        "problem": sms.problem,
        "updated_at": sms.updated_at,
    }
    return OutboundEvent(SMS_CHANGED, data, audience, at)
