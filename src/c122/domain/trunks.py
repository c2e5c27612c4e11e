"""Carrier trunks (TEL-24): which trunk a public number leaves through, the caller ID it presents, and
the trunk as an administrator keeps it (address, transport, registration, codecs, call limit).

A region's hotline presents that region's number: a trunk lists the number prefixes it serves and the
caller ID to show there. The longest matching prefix wins; a trunk without prefixes takes the rest.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from c122.domain.errors import FieldProblem, InvalidFields

TRANSPORTS = ("udp", "tcp", "tls")
CODECS = ("PCMA", "PCMU")
"""What the media engine sends and receives; a trunk offers a non-empty subset, in its order."""
MAX_PREFIXES = 50
MAX_CALLS = 10_000
KEEPALIVE_RANGE_S = (5, 3600)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_E164 = re.compile(r"^\+\d{1,15}$")
_USER = re.compile(r"^[^\s:@<>\"]{1,64}$")


@dataclass(frozen=True, slots=True)
class Trunk:
    """A trunk as routing reads it."""

    name: str
    host: str
    port: int = 5060
    prefixes: tuple[str, ...] = ()  # E.164 prefixes, e.g. "+7495"; empty: every other number
    caller_id: str | None = None  # E.164 presented in From and P-Asserted-Identity
    transport: str = "udp"
    codecs: tuple[str, ...] = CODECS
    max_calls: int | None = None  # calls up at once through the trunk; None: no limit
    # The carrier's credentials, answering its digest challenge to an INVITE (RFC 3261 §22.2).
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def credentials(self) -> tuple[str, str] | None:
        if self.username is None or self.password is None:
            return None
        return self.username, self.password


@dataclass(frozen=True, slots=True)
class TrunkDraft:
    """A trunk as the administrator keeps it. `password` None: none set (or, on an edit, keep the stored
    one); registration needs both `username` and a password."""

    name: str
    host: str
    port: int = 5060
    transport: str = "udp"
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in logs
    register: bool = False
    prefixes: tuple[str, ...] = ()
    caller_id: str | None = None
    codecs: tuple[str, ...] = CODECS
    max_calls: int | None = None
    keepalive_s: int = 30  # seconds between OPTIONS probes; 0: none (the carrier refuses them)

    @property
    def routing(self) -> Trunk:
        return Trunk(
            self.name,
            self.host,
            self.port,
            self.prefixes,
            self.caller_id,
            self.transport,
            self.codecs,
            self.max_calls,
            self.username,
            self.password,
        )


@dataclass(frozen=True, slots=True)
class Route:
    trunk: Trunk
    caller_id: str | None


def route_for(number: str, trunks: Sequence[Trunk]) -> Route | None:
    """The trunk for an E.164 number: the longest prefix that matches, else a trunk with no prefixes."""
    best: tuple[int, Trunk] | None = None
    fallback: Trunk | None = None
    for trunk in trunks:
        if not trunk.prefixes:
            fallback = fallback or trunk
            continue
        for prefix in trunk.prefixes:
            if number.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), trunk)
    chosen = best[1] if best is not None else fallback
    return Route(chosen, chosen.caller_id) if chosen is not None else None


def is_host(host: str) -> bool:
    """An IP address or a DNS name (whether it resolves is the live state's business, not a save's)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        return 0 < len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)
    return True


def checked_trunk(draft: TrunkDraft, *, has_password: bool = False) -> TrunkDraft:
    """The draft as stored (codecs upper-case, prefixes without repeats), or InvalidFields naming each
    bad field. `has_password`: a password is stored already (an edit that leaves it unchanged)."""
    problems: list[FieldProblem] = []
    if not _NAME.match(draft.name):
        problems.append(
            FieldProblem("name", "invalid_name", "название: латиница, цифры, _ . -, до 64 символов")
        )
    if not is_host(draft.host):
        problems.append(FieldProblem("host", "invalid_host", "адрес: IP или доменное имя"))
    if not 1 <= draft.port <= 65535:
        problems.append(FieldProblem("port", "out_of_range", "порт от 1 до 65535"))
    if draft.transport not in TRANSPORTS:
        problems.append(FieldProblem("transport", "unknown_transport", "транспорт: udp, tcp или tls"))
    if draft.username is not None and not _USER.match(draft.username):
        problems.append(FieldProblem("username", "invalid_username", "логин без пробелов, : @ < >"))
    if draft.password is not None and not 1 <= len(draft.password) <= 128:
        problems.append(FieldProblem("password", "invalid_password", "пароль от 1 до 128 символов"))
    if draft.register and (draft.username is None or (draft.password is None and not has_password)):
        problems.append(
            FieldProblem("registration", "credentials_required", "для регистрации нужны логин и пароль")
        )
    if len(draft.prefixes) > MAX_PREFIXES:
        problems.append(FieldProblem("prefixes", "too_many", f"не более {MAX_PREFIXES} префиксов"))
    problems.extend(
        FieldProblem(f"prefixes.{i}", "invalid_prefix", "префикс в виде +7495")
        for i, prefix in enumerate(draft.prefixes)
        if not _E164.match(prefix)
    )
    if draft.caller_id is not None and not _E164.match(draft.caller_id):
        problems.append(FieldProblem("caller_id", "invalid_caller_id", "номер в виде +74951234567"))
    codecs = tuple(dict.fromkeys(c.upper() for c in draft.codecs))
    if not codecs:
        problems.append(FieldProblem("codecs", "required", "выберите хотя бы один кодек"))
    problems.extend(
        FieldProblem("codecs", "unknown_codec", f"нет кодека {c}; доступны {', '.join(CODECS)}")
        for c in codecs
        if c not in CODECS
    )
    if draft.max_calls is not None and not 1 <= draft.max_calls <= MAX_CALLS:
        problems.append(FieldProblem("max_calls", "out_of_range", f"от 1 до {MAX_CALLS} вызовов"))
    low, high = KEEPALIVE_RANGE_S
    if draft.keepalive_s != 0 and not low <= draft.keepalive_s <= high:
        problems.append(
            FieldProblem("keepalive_s", "out_of_range", f"0 (не проверять) или от {low} до {high} с")
        )
    if problems:
        raise InvalidFields(problems)
    return TrunkDraft(
        name=draft.name,
        host=draft.host.rstrip(".").lower(),
        port=draft.port,
        transport=draft.transport,
        username=draft.username,
        password=draft.password,
        register=draft.register,
        prefixes=tuple(dict.fromkeys(draft.prefixes)),
        caller_id=draft.caller_id,
        codecs=codecs,
        max_calls=draft.max_calls,
        keepalive_s=draft.keepalive_s,
    )
