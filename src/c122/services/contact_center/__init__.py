"""The contact centre's use cases around the ACD rules: see docs/contact-center/acd.md, "Service"."""

from c122.services.contact_center.service import ContactCenter, DesiredState, NotStarted
from c122.services.contact_center.views import OfferView, OperatorView, QueueView, WaitingCallView

__all__ = [
    "ContactCenter",
    "DesiredState",
    "NotStarted",
    "OfferContext",
    "OfferView",
    "OperatorView",
    "QueueView",
    "WaitingCallView",
]
