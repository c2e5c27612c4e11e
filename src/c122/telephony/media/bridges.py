"""Which legs hear which: 1:1 pass-through forwarding or a mix, and the legs that need decoding."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from c122.telephony.media.endpoint import Endpoint
from c122.telephony.media.jitter import pcm_jitter_buffer
from c122.telephony.media.messages import SetBridge
from c122.telephony.media.mixer import Mixer


class Bridges:
    """The engine's bridges over its endpoints (the same mapping, kept by the engine)."""

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        self._endpoints = endpoints
        self._bridges: dict[str, SetBridge] = {}
        self._bridge_of: dict[str, str] = {}
        self.mixer = Mixer()
        self.decoding: dict[str, Endpoint] = {}  # legs a mix listens to: decoded and jitter-buffered
        self._fading: dict[str, str] = {}  # legs out of a bridge its mix still fades out, and the bridge

    def __len__(self) -> int:
        return len(self._bridges)

    def mixes(self) -> int:
        return sum(1 for b in self._bridges.values() if self.mixer.mix_of(b.members[0]) is not None)

    def set(self, command: SetBridge) -> None:
        for member in command.members:
            if member not in self._endpoints:
                raise KeyError(f"unknown endpoint {member}")
            owner = self._bridge_of.get(member)
            if owner is not None and owner != command.bridge_id:
                raise ValueError(f"endpoint {member} is already in bridge {owner}")
        previous = self._bridges.get(command.bridge_id)
        # Only this bridge's legs, before and after, can start or stop being decoded.
        affected = {*command.members, *(previous.members if previous is not None else ())}
        if previous is not None:
            for member in previous.members:
                if member not in command.members:
                    self._bridge_of.pop(member, None)
                    self._unforward(self._endpoints.get(member))
        if not command.members:
            self._bridges.pop(command.bridge_id, None)
            self.mixer.remove_mix(command.bridge_id)
            self._refresh_decoding(command.bridge_id, affected)
            return
        self._bridges[command.bridge_id] = command
        for member in command.members:
            self._bridge_of[member] = command.bridge_id
        hears = set(command.hears)
        if not hears:
            # Nobody hears anybody (a lone leg, everyone held): nothing to forward or mix.
            self.mixer.remove_mix(command.bridge_id)
            for member in command.members:
                self._unforward(self._endpoints[member])
            self._refresh_decoding(command.bridge_id, affected)
            return
        if len(command.members) == 2 and not command.mixed:
            a, b = (self._endpoints[m] for m in command.members)
            forward = {(a.endpoint_id, b.endpoint_id), (b.endpoint_id, a.endpoint_id)}
            if hears <= forward:
                # Two legs, one or both ways: forward payloads as they come, nothing decoded.
                self.mixer.remove_mix(command.bridge_id)
                self._unforward(a)
                self._unforward(b)
                if (b.endpoint_id, a.endpoint_id) in hears:
                    a.forward_to, b.forwarded_from = b, a
                if (a.endpoint_id, b.endpoint_id) in hears:
                    b.forward_to, a.forwarded_from = a, b
                self._refresh_decoding(command.bridge_id, affected)
                return
        # Mixed. Forwarding carries on until each speaker's jitter buffer plays (no gap).
        self.mixer.set_mix(command.bridge_id, command.members, hears)
        self._refresh_decoding(command.bridge_id, affected)

    def levels(self, bridge_id: str) -> tuple[tuple[str, float], ...]:
        bridge = self._bridges.get(bridge_id)
        members = bridge.members if bridge is not None else ()
        return tuple((member, self.mixer.level(member)) for member in members)

    def remove(self, bridge_id: str) -> None:
        if bridge_id in self._bridges:
            self.set(SetBridge(bridge_id, (), ()))

    def leave(self, endpoint_id: str) -> None:
        """A closing leg leaves its bridge; the others keep hearing each other."""
        bridge_id = self._bridge_of.get(endpoint_id)
        if bridge_id is None:
            return
        bridge = self._bridges[bridge_id]
        members = tuple(m for m in bridge.members if m != endpoint_id)
        hears = tuple(pair for pair in bridge.hears if endpoint_id not in pair)
        self.set(SetBridge(bridge_id, members, hears, mixed=bridge.mixed))  # a conference stays mixed

    def _unforward(self, endpoint: Endpoint | None) -> None:
        if endpoint is None:
            return
        for other in (endpoint.forward_to, endpoint.forwarded_from):
            if other is not None:
                if other.forward_to is endpoint:
                    other.forward_to = None
                if other.forwarded_from is endpoint:
                    other.forwarded_from = None
        endpoint.forward_to = endpoint.forwarded_from = None

    def settle(self) -> None:
        """After a mix tick: legs that left a bridge stop being decoded once its mix has faded them out."""
        for endpoint_id, bridge_id in list(self._fading.items()):
            if endpoint_id not in self.mixer.inputs_of(bridge_id):
                self._refresh_decoding(bridge_id, (endpoint_id,))

    def _refresh_decoding(self, bridge_id: str, affected: Collection[str]) -> None:
        """Decode and buffer exactly the legs a mix listens to, among the legs a change of one bridge
        touched: a change costs its own legs, not every leg of the engine."""
        mixed = self.mixer.inputs_of(bridge_id)
        bridge = self._bridges.get(bridge_id)
        members = bridge.members if bridge is not None else ()
        for endpoint_id in affected:
            endpoint = self._endpoints.get(endpoint_id)
            self._fading.pop(endpoint_id, None)
            if endpoint is not None and endpoint_id in mixed:
                if endpoint.jitter is None:
                    endpoint.jitter = pcm_jitter_buffer()
                self.decoding[endpoint_id] = endpoint
                if endpoint_id not in members:
                    self._fading[endpoint_id] = bridge_id
            else:
                if endpoint is not None:
                    endpoint.jitter = None
                self.decoding.pop(endpoint_id, None)
