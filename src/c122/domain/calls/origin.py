"""Where an inbound call came from when it is not the phone network: the citizen app, with the
location the device measured when it placed the call (MM-01). The call's card carries both."""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.cases import CaseSource


@dataclass(frozen=True, slots=True)
class CallOrigin:
    source: CaseSource
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None

    def location_text(self) -> str:
        """The card's location line: the coordinates and how far off they may be."""
        if self.latitude is None or self.longitude is None:
            return ""
        text = f"{self.latitude:.6f}, {self.longitude:.6f}"
        if self.accuracy_m is not None:
            text += f" (точность {self.accuracy_m:.0f} м)"
        return text
