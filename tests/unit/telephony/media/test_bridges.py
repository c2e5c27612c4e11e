"""Which legs are decoded: exactly those a mix listens to, worked out per change from the legs that
change touched (a change on one bridge must not walk every leg of a busy engine)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from c122.telephony.media.bridges import Bridges
from c122.telephony.media.codecs import PCMU
from c122.telephony.media.endpoint import Endpoint
from c122.telephony.media.messages import SetBridge
from c122.telephony.media.mixer import conference


class WatchedEndpoints(Mapping[str, Endpoint]):
    """The engine's endpoints, noting which were looked up; walking all of them is refused."""

    def __init__(self, names: str) -> None:
        self._items = {
            name: Endpoint(name, 20000 + i, PCMU, None, None, False, None, 0.0)
            for i, name in enumerate(names)
        }
        self.looked_up: set[str] = set()

    def __getitem__(self, key: str) -> Endpoint:
        self.looked_up.add(key)
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("a bridge change walked every endpoint")

    def __len__(self) -> int:
        return len(self._items)


def mixed(bridge_id: str, *members: str) -> SetBridge:
    return SetBridge(bridge_id, members, tuple(sorted(conference(members))), mixed=True)


def tick(bridges: Bridges) -> None:
    """One tick of the mix, as the engine runs it: the mixer, then the legs it no longer needs."""
    bridges.mixer.tick({})
    bridges.settle()


def paired(bridge_id: str, a: str, b: str) -> SetBridge:
    return SetBridge(bridge_id, (a, b), ((a, b), (b, a)))


@pytest.fixture
def engine() -> tuple[WatchedEndpoints, Bridges]:
    endpoints = WatchedEndpoints("abcdefgh")
    return endpoints, Bridges(endpoints)


def test_a_change_reads_only_the_legs_of_its_own_bridge(engine: tuple[WatchedEndpoints, Bridges]) -> None:
    endpoints, bridges = engine
    bridges.set(mixed("conf", "a", "b", "c"))
    bridges.set(paired("call", "d", "e"))
    endpoints.looked_up.clear()
    bridges.set(mixed("conf", "a", "b"))
    assert endpoints.looked_up <= {"a", "b", "c"}
    endpoints.looked_up.clear()
    bridges.set(paired("other", "f", "g"))
    assert endpoints.looked_up <= {"f", "g"}


def test_exactly_the_mixed_legs_are_decoded_through_changes(engine: tuple[WatchedEndpoints, Bridges]) -> None:
    endpoints, bridges = engine
    bridges.set(mixed("conf", "a", "b", "c", "f"))
    bridges.set(paired("call", "d", "e"))
    assert set(bridges.decoding) == {"a", "b", "c", "f"}
    assert endpoints["d"].jitter is None
    assert endpoints["a"].jitter is not None
    tick(bridges)  # the mix fades in

    bridges.leave("c")  # the mix fades it out: decoded until the next tick
    assert set(bridges.decoding) == {"a", "b", "c", "f"}
    tick(bridges)
    assert set(bridges.decoding) == {"a", "b", "f"}
    assert endpoints["c"].jitter is None

    bridges.set(mixed("conf", "a", "b", "h"))
    tick(bridges)
    assert set(bridges.decoding) == {"a", "b", "h"}
    assert endpoints["f"].jitter is None

    bridges.set(paired("conf", "a", "b"))  # two left, hearing each other: forwarded, nothing decoded
    assert set(bridges.decoding) == set()
    assert all(endpoints[name].jitter is None for name in "abh")
    assert endpoints["a"].forward_to is endpoints["b"]

    bridges.set(mixed("call", "d", "e"))
    bridges.remove("call")
    assert set(bridges.decoding) == set()


def test_a_conference_left_with_two_stays_mixed(engine: tuple[WatchedEndpoints, Bridges]) -> None:
    """Its levels are still measured: a conference is mixed even while two talk."""
    _, bridges = engine
    bridges.set(mixed("conf", "a", "b", "c"))
    bridges.leave("c")
    assert bridges.mixer.mix_of("a") == "conf"
    assert set(bridges.decoding) >= {"a", "b"}
