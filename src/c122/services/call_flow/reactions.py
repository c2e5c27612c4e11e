"""How the call flow reacts to other features' internal events."""

from __future__ import annotations

from c122.domain.organisation import EntityKind
from c122.services.call_flow.service import CallFlowService
from c122.services.internal_events import InternalEventBus
from c122.services.organisation.events import OrganisationChanged

# What a call's route is looked up from: the line dialled and its service (call_flow/routes.py).
ROUTE_KINDS = frozenset({EntityKind.LINE, EntityKind.SERVICE})


def subscribe(bus: InternalEventBus, call_flow: CallFlowService) -> None:
    """A changed line or service reaches the call flow's routing at once."""

    def forget_routes(event: OrganisationChanged) -> None:
        if event.kind in ROUTE_KINDS:
            call_flow.forget_routes()

    bus.subscribe(OrganisationChanged, forget_routes)
