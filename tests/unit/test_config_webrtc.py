"""Browser-audio settings: lists, addresses and STUN/TURN URLs are checked with one-line errors."""

from __future__ import annotations

import pytest

from c122.config import ConfigError, load_settings, split_list


def test_webrtc_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "C122_WEBRTC_HOST_ADDRESSES": "127.0.0.1, 10.0.0.5",
            "C122_WEBRTC_PUBLIC_ADDRESS": "203.0.113.7",
            "C122_STUN_SERVERS": "stun:stun.example.org:3478",
            "C122_TURN_SERVERS": "turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:5349",
            "C122_TURN_SECRET": "s3cret",
        }
    )
    assert split_list(settings.webrtc_host_addresses) == ("127.0.0.1", "10.0.0.5")
    assert split_list(settings.turn_servers)[1] == "turns:turn.example.org:5349"
    assert settings.webrtc_restart_grace_seconds == 30.0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"C122_WEBRTC_HOST_ADDRESSES": "127.0.0.1,eth0"},
            "webrtc_host_addresses: 'eth0' is not an IP address",
        ),
        (
            {"C122_WEBRTC_PUBLIC_ADDRESS": "hotline.example"},
            "webrtc_public_address: 'hotline.example' is not",
        ),
        ({"C122_STUN_SERVERS": "stun.example.org"}, "stun_servers: 'stun.example.org' is not a stun:"),
        ({"C122_TURN_SERVERS": "turn:t.example?transport=sctp", "C122_TURN_SECRET": "s"}, "turn_servers: "),
        ({"C122_TURN_SERVERS": "turn:t.example"}, "turn_servers: needs turn_secret"),
        ({"C122_TURN_SERVERS": "turn:t.example", "C122_TURN_USERNAME": "u"}, "turn_servers: needs"),
        ({"C122_WEBRTC_RESTART_GRACE_SECONDS": "0"}, "webrtc_restart_grace_seconds: "),
    ],
)
def test_bad_webrtc_settings_are_refused_in_one_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
