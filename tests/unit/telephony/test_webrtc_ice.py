"""ICE settings of browser legs: gathered addresses, the public address, STUN/TURN for both ends."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator

import aioice.ice
import pytest

from c122.telephony.webrtc.ice import (
    TURN_CREDENTIAL_SECONDS,
    IceServers,
    IceSettings,
    announce_public_address,
    use_host_addresses,
)

OFFER = "\r\n".join(
    [
        "v=0",
        "m=audio 40000 UDP/TLS/RTP/SAVPF 0 8",
        "a=candidate:abc 1 udp 2130706431 10.0.0.5 40000 typ host",
        "a=candidate:def 1 udp 2130706431 fe80::1 40002 typ host",
        "a=candidate:ghi 1 udp 1694498815 198.51.100.9 40000 typ srflx raddr 10.0.0.5 rport 40000",
        "a=end-of-candidates",
        "",
    ]
)


@pytest.fixture
def restored() -> Iterator[None]:
    yield
    use_host_addresses(())


def test_configured_host_addresses_replace_aioices_choice_and_loopback_is_allowed(restored: None) -> None:
    use_host_addresses(("127.0.0.1", "::1"))
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    use_host_addresses(())
    assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)


def test_the_public_address_is_announced_next_to_each_ipv4_host_candidate() -> None:
    sdp = announce_public_address(OFFER, "203.0.113.7")
    lines = sdp.split("\r\n")
    host = lines.index("a=candidate:abc 1 udp 2130706431 10.0.0.5 40000 typ host")
    assert lines[host + 1] == "a=candidate:abcp 1 udp 2130706430 203.0.113.7 40000 typ host"
    assert sum("203.0.113.7" in line for line in lines) == 1  # not for IPv6 nor server-reflexive ones
    assert announce_public_address(OFFER, "") == OFFER


def test_turn_credentials_are_static_or_coturn_time_limited() -> None:
    static = IceServers(
        IceSettings(turn_servers=("turn:t.example:3478",), turn_username="u", turn_password="p")
    )
    assert static.credentials("7") == ("u", "p")

    timed = IceServers(
        IceSettings(turn_servers=("turn:t.example:3478",), turn_secret="s3cret"), now=lambda: 1_000_000.0
    )
    username, credential = timed.credentials("7")
    assert username == f"{1_000_000 + TURN_CREDENTIAL_SECONDS}:7"
    expected = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()
    assert credential == expected


def test_the_browser_gets_every_server_and_the_server_the_first_of_each_kind() -> None:
    servers = IceServers(
        IceSettings(
            stun_servers=("stun:a.example:3478", "stun:b.example"),
            turn_servers=("turn:t.example:3478?transport=udp", "turns:t.example:5349"),
            turn_username="u",
            turn_password="p",
        )
    )
    browser = servers.for_browser("7")
    assert [s.urls for s in browser] == [
        ("stun:a.example:3478", "stun:b.example"),
        ("turn:t.example:3478?transport=udp", "turns:t.example:5349"),
    ]
    assert (browser[1].username, browser[1].credential) == ("u", "p")
    server = servers.for_server()
    assert [s.urls for s in server] == ["stun:a.example:3478", "turn:t.example:3478?transport=udp"]
    assert IceServers(IceSettings()).for_server() == []  # never aiortc's default public STUN server
