"""Choosing the carrier trunk and the presented caller ID by number prefix (TEL-24)."""

from __future__ import annotations

from c122.domain.trunks import Trunk, route_for

MOSCOW = Trunk("moscow", "10.0.0.1", prefixes=("+7495", "+7499"), caller_id="+74951220122")
MOBILE = Trunk("mobile", "10.0.0.2", prefixes=("+79",), caller_id="+79001220122")
MOBILE_MTS = Trunk("mts", "10.0.0.3", prefixes=("+7916",), caller_id="+79161220122")
ANY = Trunk("any", "10.0.0.9")


def test_the_longest_matching_prefix_chooses_the_trunk_and_its_caller_id() -> None:
    trunks = [MOSCOW, MOBILE, MOBILE_MTS, ANY]
    assert route_for("+74951112233", trunks).trunk is MOSCOW  # type: ignore[union-attr]
    route = route_for("+79161112233", trunks)
    assert route is not None
    assert (route.trunk, route.caller_id) == (MOBILE_MTS, "+79161220122")
    assert route_for("+79031112233", trunks).trunk is MOBILE  # type: ignore[union-attr]


def test_a_trunk_without_prefixes_takes_every_other_number() -> None:
    route = route_for("+78121112233", [MOSCOW, ANY])
    assert route is not None
    assert route.trunk is ANY
    assert route.caller_id is None


def test_without_a_matching_trunk_there_is_no_route() -> None:
    assert route_for("+78121112233", [MOSCOW, MOBILE]) is None
    assert route_for("+74951112233", []) is None
