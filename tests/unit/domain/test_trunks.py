"""Choosing the carrier trunk and the presented caller ID by number prefix (TEL-24)."""

from __future__ import annotations

import pytest

from c122.domain.errors import InvalidFields
from c122.domain.trunks import Trunk, TrunkDraft, checked_trunk, is_host, route_for

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


def test_a_trunk_as_kept_is_cleaned_and_routes_with_its_settings() -> None:
    draft = TrunkDraft(
        name="moscow",
        host="SIP.Carrier.RU.",
        prefixes=("+7495", "+7495", "+7499"),
        codecs=("pcma",),
        max_calls=5,
        transport="tcp",
    )
    kept = checked_trunk(draft)
    assert (kept.host, kept.prefixes, kept.codecs) == ("sip.carrier.ru", ("+7495", "+7499"), ("PCMA",))
    routing = kept.routing
    assert (routing.transport, routing.codecs, routing.max_calls) == ("tcp", ("PCMA",), 5)


def test_every_bad_field_of_a_trunk_is_named() -> None:
    draft = TrunkDraft(
        name="bad name",
        host="-bad-",
        port=0,
        transport="sctp",
        username="a b",
        register=True,
        prefixes=("7495",),
        caller_id="8495",
        codecs=("G729",),
        max_calls=0,
        keepalive_s=1,
    )
    with pytest.raises(InvalidFields) as refused:
        checked_trunk(draft)
    assert {p.path for p in refused.value.problems} == {
        "name",
        "host",
        "port",
        "transport",
        "username",
        "registration",
        "prefixes.0",
        "caller_id",
        "codecs",
        "max_calls",
        "keepalive_s",
    }


def test_registration_needs_a_password_unless_one_is_stored() -> None:
    draft = TrunkDraft(name="reg", host="10.0.0.1", username="c122", register=True)
    with pytest.raises(InvalidFields):
        checked_trunk(draft)
    assert checked_trunk(draft, has_password=True).register
    assert [is_host(h) for h in ("10.0.0.1", "::1", "sip.example.ru")] == [True, True, True]
    assert [is_host(h) for h in ("", "a..b", "x" * 64 + ".ru")] == [False, False, False]
