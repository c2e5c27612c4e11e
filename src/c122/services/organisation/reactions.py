"""How the organisation's own readers react to its committed changes."""

from __future__ import annotations

from c122.domain.organisation import EntityKind
from c122.services.internal_events import InternalEventBus
from c122.services.organisation.events import OrganisationChanged
from c122.services.organisation.video_recording import VideoRecordingPolicy


def subscribe(bus: InternalEventBus, video_policy: VideoRecordingPolicy) -> None:
    """A changed group reaches the video policy's answers at once."""

    def group_changed(event: OrganisationChanged) -> None:
        if event.kind is EntityKind.GROUP:
            video_policy.forget()

    bus.subscribe(OrganisationChanged, group_changed)
