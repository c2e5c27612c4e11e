"""How the case cards react to other features' internal events."""

from __future__ import annotations

from c122.domain.organisation import EntityKind
from c122.services.cases.case_types import KnownCaseTypes
from c122.services.internal_events import InternalEventBus
from c122.services.organisation.events import OrganisationChanged


def subscribe(bus: InternalEventBus, case_types: KnownCaseTypes) -> None:
    """A changed case type reaches the new call cards at once."""

    def case_type_changed(event: OrganisationChanged) -> None:
        if event.kind is EntityKind.CASE_TYPE:
            case_types.forget()

    bus.subscribe(OrganisationChanged, case_type_changed)
