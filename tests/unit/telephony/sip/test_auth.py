"""Digest authentication (RFC 3261 §22, RFC 8760) on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from c122.telephony.sip.auth import (
    AuthOutcome,
    DigestCredentials,
    DigestServer,
    authorization_header,
    digest_response,
    parse_auth_params,
    pick_challenge,
)
from c122.telephony.sip.message import parse_message

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sip"
CREDS = DigestCredentials("alice", "s3cret")


def test_md5_response_matches_what_baresip_computed():
    invite = parse_message((FIXTURES / "baresip_invite_auth.sip").read_bytes())
    _, params = parse_auth_params(invite.headers.get("Proxy-Authorization") or "")
    ours = digest_response(
        algorithm="MD5",
        username="alice",
        realm=params["realm"],
        password="s3cret",
        method="INVITE",
        uri=params["uri"],
        nonce=params["nonce"],
        qop=params["qop"],
        nc=params["nc"],
        cnonce=params["cnonce"],
    )
    assert ours == params["response"]


def test_rfc_2617_md5_qop_auth_example_gives_the_published_response():
    ours = digest_response(
        algorithm="MD5", username="Mufasa", realm="testrealm@host.com", password="Circle Of Life",
        method="GET", uri="/dir/index.html", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", qop="auth",
        nc="00000001", cnonce="0a4f113b",
    )  # fmt: skip
    assert ours == "6629fae49393a05397450978507c4ef1"


@pytest.fixture
def server():
    now = [1_000_000.0]
    srv = DigestServer(
        "c122", {"alice": "s3cret"}.get, nonce_lifetime=60, secret=b"k" * 32, now=lambda: now[0]
    )
    srv.now = now  # type: ignore[attr-defined]
    return srv


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_client_answer_to_each_challenge_is_accepted(server, algorithm):
    [challenge] = [c for c in server.challenges() if f"algorithm={algorithm}" in c]
    value = authorization_header(challenge, CREDS, "REGISTER", "sip:c122.local")
    result = server.verify("REGISTER", [value])
    assert result.outcome is AuthOutcome.OK
    assert result.username == "alice"


def test_wrong_password_fails(server):
    value = authorization_header(
        server.challenges()[0], DigestCredentials("alice", "nope"), "INVITE", "sip:122@h"
    )
    assert server.verify("INVITE", [value]).outcome is AuthOutcome.FAILED


def test_answer_for_another_method_fails(server):
    value = authorization_header(server.challenges()[0], CREDS, "REGISTER", "sip:h")
    assert server.verify("INVITE", [value]).outcome is AuthOutcome.FAILED


def test_forged_nonce_fails(server):
    challenge = server.challenges()[0].replace('nonce="', 'nonce="0')
    value = authorization_header(challenge, CREDS, "REGISTER", "sip:h")
    assert server.verify("REGISTER", [value]).outcome is AuthOutcome.FAILED


def test_old_nonce_with_the_right_password_is_stale_and_rechallenged_with_stale_true(server):
    value = authorization_header(server.challenges()[0], CREDS, "REGISTER", "sip:h")
    server.now[0] += 61
    assert server.verify("REGISTER", [value]).outcome is AuthOutcome.STALE
    assert all("stale=true" in c for c in server.challenges(stale=True))


def test_no_credentials_for_our_realm_means_challenge(server):
    other = authorization_header(
        'Digest realm="elsewhere", nonce="abc", algorithm=MD5', CREDS, "REGISTER", "sip:h"
    )
    assert server.verify("REGISTER", []).outcome is AuthOutcome.MISSING
    assert server.verify("REGISTER", [other]).outcome is AuthOutcome.MISSING


def test_unknown_user_fails(server):
    value = authorization_header(
        server.challenges()[0], DigestCredentials("mallory", "x"), "REGISTER", "sip:h"
    )
    assert server.verify("REGISTER", [value]).outcome is AuthOutcome.FAILED


def test_client_prefers_sha256_and_ignores_unknown_algorithms():
    chosen = pick_challenge(
        ['Digest realm="r", nonce="n", algorithm=SHA-512-256', 'Digest realm="r", nonce="n", algorithm=MD5',
         'Digest realm="r", nonce="n", algorithm=SHA-256']
    )  # fmt: skip
    assert chosen is not None
    assert "SHA-256" in chosen
    assert pick_challenge(['Basic realm="r"']) is None


def test_client_echoes_opaque_and_uses_qop_auth():
    value = authorization_header(
        'Digest realm="r", nonce="n", qop="auth-int,auth", opaque="xyz"', CREDS, "BYE", "sip:h"
    )
    _, params = parse_auth_params(value)
    assert params["opaque"] == "xyz"
    assert params["qop"] == "auth"
    assert params["nc"] == "00000001"


def test_server_rejects_unknown_algorithm_configuration():
    with pytest.raises(ValueError, match="unsupported"):
        DigestServer("r", {}.get, algorithms=("SHA-1",))
