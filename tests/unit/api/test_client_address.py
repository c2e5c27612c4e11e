"""Which address a request comes from: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import pytest

from c122.api.client_address import client_address
from c122.config import ConfigError, load_settings, proxy_networks

PROXIES = proxy_networks("10.0.0.0/8, 192.0.2.1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not a proxy: its header is its own word
        ("192.0.2.1", ["198.51.100.1"], "198.51.100.1"),
        ("192.0.2.1", ["6.6.6.6, 198.51.100.1, 10.1.1.1"], "198.51.100.1"),  # through two proxies
        ("192.0.2.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # the header given twice
        ("192.0.2.1", ["garbage"], "192.0.2.1"),
        ("192.0.2.1", ["10.2.2.2"], "10.2.2.2"),  # only proxies: the farthest one
        ("192.0.2.1", [], "192.0.2.1"),
        ("192.0.2.1", ["2001:db8::1"], "2001:db8::1"),
    ],
)
def test_the_client_is_the_first_hop_from_the_right_that_is_not_a_trusted_proxy(
    peer: str, forwarded: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_nobody_is_trusted_by_default_and_a_bad_entry_names_the_setting() -> None:
    assert load_settings(environ={}).trusted_proxies == ""
    with pytest.raises(ConfigError, match=r"trusted_proxies: 'proxy\.local' is not an IP address or CIDR"):
        load_settings(environ={"C122_TRUSTED_PROXIES": "10.0.0.1, proxy.local"})
