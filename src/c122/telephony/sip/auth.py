"""HTTP Digest for SIP (RFC 3261 §22, RFC 8760): client answers and a stateless server side."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from c122.telephony.sip.uri import quote, split_quoted, unquote

_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
}


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    username: str
    password: str
    realm: str | None = None  # None: answer any realm


def parse_auth_params(value: str) -> tuple[str, dict[str, str]]:
    """`Digest realm="r", nonce="n"` → ("digest", {"realm": "r", "nonce": "n"})."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    for part in split_quoted(rest, ","):
        name, sep, val = part.strip().partition("=")
        if sep:
            params[name.strip().lower()] = unquote(val)
    return scheme.lower(), params


def _h(algorithm: str, text: str) -> str:
    base = algorithm.upper().removesuffix("-SESS")
    return _HASHES[base](text.encode()).hexdigest()


def stored_ha1(algorithm: str, username: str, realm: str, password: str) -> str:
    """H(username:realm:password): what a registrar keeps instead of the SIP password."""
    return _h(algorithm, f"{username}:{realm}:{password}")


def digest_response(
    *,
    algorithm: str,
    username: str,
    realm: str,
    password: str | None = None,
    ha1: str | None = None,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None,
    nc: str,
    cnonce: str,
) -> str:
    if ha1 is None:
        ha1 = _h(algorithm, f"{username}:{realm}:{password or ''}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = _h(algorithm, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _h(algorithm, f"{method}:{uri}")
    if qop:
        return _h(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(algorithm, f"{ha1}:{nonce}:{ha2}")


def supported_algorithm(params: dict[str, str]) -> bool:
    return params.get("algorithm", "MD5").upper().removesuffix("-SESS") in _HASHES


def authorization_header(challenge: str, creds: DigestCredentials, method: str, uri: str, nc: int = 1) -> str:
    """The Authorization/Proxy-Authorization value answering one challenge header value."""
    scheme, params = parse_auth_params(challenge)
    if scheme != "digest" or not supported_algorithm(params):
        raise ValueError("unsupported authentication challenge")
    algorithm = params.get("algorithm", "MD5")
    realm = params.get("realm", "")
    nonce = params.get("nonce", "")
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    qop = "auth" if "auth" in qops else None
    if qops and qop is None:
        raise ValueError("only qop=auth is supported")
    cnonce = secrets.token_hex(8)
    ncs = f"{nc:08x}"
    response = digest_response(
        algorithm=algorithm,
        username=creds.username,
        realm=realm,
        password=creds.password,
        method=method,
        uri=uri,
        nonce=nonce,
        qop=qop,
        nc=ncs,
        cnonce=cnonce,
    )
    parts = [
        f"username={quote(creds.username)}",
        f"realm={quote(realm)}",
        f"nonce={quote(nonce)}",
        f"uri={quote(uri)}",
        f"response={quote(response)}",
        f"algorithm={algorithm}",
    ]
    if qop:
        parts += [f"qop={qop}", f"nc={ncs}", f"cnonce={quote(cnonce)}"]
    if "opaque" in params:
        parts.append(f"opaque={quote(params['opaque'])}")
    return "Digest " + ", ".join(parts)


def pick_challenge(values: list[str]) -> str | None:
    """Prefer SHA-256 over MD5 when a server offers both (RFC 8760 §2.4)."""
    usable = [
        v
        for v in values
        if parse_auth_params(v)[0] == "digest" and supported_algorithm(parse_auth_params(v)[1])
    ]
    usable.sort(key=lambda v: parse_auth_params(v)[1].get("algorithm", "MD5").upper() != "SHA-256")
    return usable[0] if usable else None


class AuthOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # no credentials for our realm: challenge
    STALE = "stale"  # right password, old nonce: challenge with stale=true
    FAILED = "failed"  # wrong password, unknown user or malformed


@dataclass(frozen=True, slots=True)
class AuthResult:
    outcome: AuthOutcome
    username: str | None = None


PasswordLookup = Callable[[str], str | None]


class DigestServer:
    """Issues and checks challenges; nonces are HMAC-signed timestamps, so no state is kept."""

    def __init__(
        self,
        realm: str,
        passwords: PasswordLookup,
        *,
        algorithms: tuple[str, ...] = ("SHA-256", "MD5"),
        nonce_lifetime: float = 300.0,
        secret: bytes | None = None,
        now: Callable[[], float] = time.time,
        ha1_lookup: Callable[[str, str], str | None] | None = None,
    ) -> None:
        """`ha1_lookup(username, algorithm)`: stored H(A1) instead of plain passwords, when given."""
        self.ha1_lookup = ha1_lookup
        for algorithm in algorithms:
            if algorithm.upper() not in _HASHES:
                raise ValueError(f"unsupported digest algorithm {algorithm}")
        self.realm = realm
        self.passwords = passwords
        self.algorithms = algorithms
        self.nonce_lifetime = nonce_lifetime
        self._secret = secret or secrets.token_bytes(32)
        self._now = now

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, f"{stamp}:{self.realm}".encode(), hashlib.sha256).hexdigest()[:32]

    def new_nonce(self) -> str:
        stamp = f"{int(self._now()):x}"
        return f"{stamp}{self._sign(stamp)}"

    def challenges(self, *, stale: bool = False) -> list[str]:
        nonce = self.new_nonce()
        out = []
        for algorithm in self.algorithms:
            value = f'Digest realm={quote(self.realm)}, nonce="{nonce}", qop="auth", algorithm={algorithm}'
            if stale:
                value += ", stale=true"
            out.append(value)
        return out

    def _nonce_state(self, nonce: str) -> str:
        stamp, sig = nonce[:-32], nonce[-32:]
        if not stamp or not hmac.compare_digest(sig, self._sign(stamp)):
            return "bad"
        try:
            issued = int(stamp, 16)
        except ValueError:
            return "bad"
        return "fresh" if self._now() - issued <= self.nonce_lifetime else "stale"

    def verify(self, method: str, authorization: list[str]) -> AuthResult:
        for value in authorization:
            scheme, params = parse_auth_params(value)
            if scheme != "digest" or params.get("realm") != self.realm:
                continue
            return self._verify_one(method, params)
        return AuthResult(AuthOutcome.MISSING)

    def _verify_one(self, method: str, params: dict[str, str]) -> AuthResult:
        username = params.get("username")
        algorithm = params.get("algorithm", "MD5").upper()
        if not username or algorithm not in (a.upper() for a in self.algorithms):
            return AuthResult(AuthOutcome.FAILED, username)
        base = algorithm.removesuffix("-SESS")
        ha1 = self.ha1_lookup(username, base) if self.ha1_lookup is not None else None
        password = self.passwords(username) if ha1 is None else None
        nonce_state = self._nonce_state(params.get("nonce", ""))
        if (password is None and ha1 is None) or nonce_state == "bad":
            return AuthResult(AuthOutcome.FAILED, username)
        qop = params.get("qop")
        if qop not in (None, "auth"):
            return AuthResult(AuthOutcome.FAILED, username)
        expected = digest_response(
            algorithm=algorithm,
            username=username,
            realm=self.realm,
            password=password,
            ha1=ha1,
            method=method,
            uri=params.get("uri", ""),
            nonce=params.get("nonce", ""),
            qop=qop,
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        if not hmac.compare_digest(expected, params.get("response", "")):
            return AuthResult(AuthOutcome.FAILED, username)
        if nonce_state == "stale":
            return AuthResult(AuthOutcome.STALE, username)
        return AuthResult(AuthOutcome.OK, username)
