"""Where an app call stands in the line's flow, from the two features that know it: the call flow
(which call a leg belongs to) and the distribution (whether that call waits or talks)."""

from __future__ import annotations

from collections.abc import Callable

from c122.services.contact_center.ports import CallProgress


class FlowProgress:
    """Implements `LineProgress`."""

    def __init__(
        self,
        call_of_leg: Callable[[str], str | None],
        call_progress: Callable[[str], CallProgress | None],
    ) -> None:
        self._call_of_leg = call_of_leg
        self._call_progress = call_progress

    def progress(self, leg: str) -> CallProgress | None:
        call_id = self._call_of_leg(leg)
        return self._call_progress(call_id) if call_id is not None else None
