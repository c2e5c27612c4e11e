"""Who may open a media hop on this node: only an INVITE signed with the nodes' shared secret, fresh
and never seen before; every other INVITE for a desk is refused with 403 before media is opened. The
INVITE is a stand-in with the request's parts `NodeHops.take` reads (the SIP path itself, with SIPp
refused 403, is tests/integration/nodes/test_media_hop.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from c122.telephony.control import CallControl
from c122.telephony.media.engine import MediaEngine
from c122.telephony.node_hop import FRESH_S, HOP_HEADER, NodeHops, sign

SECRET = "shared-by-the-nodes"
NOW = 1_800_000_000.0


@dataclass
class Invite:
    called: str
    headers: dict[str, str]
    remote: tuple[str, int] = ("127.0.0.1", 5070)
    caller: str = "node-b"
    refused: list[int] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    async def reject(self, status: int = 486, reason: str | None = None) -> None:
        self.refused.append(status)


def signed(user_id: int, *, secret: str = SECRET, stamp: float = NOW, nonce: str = "n1") -> Invite:
    signature = sign(secret, "b", user_id, int(stamp), nonce)
    header = f"b;ts={int(stamp)};nonce={nonce};sig={signature}"
    return Invite(f"desk-{user_id}", {HOP_HEADER: header})


def hops(secret: str = SECRET) -> NodeHops:
    control = CallControl(
        MediaEngine(bind_host="127.0.0.1", public_address="", port_min=41000, port_max=41009)
    )
    return NodeHops(control, secret, lambda _user_id: None, clock=lambda: NOW)


@pytest.mark.parametrize(
    "invite",
    [
        Invite("desk-7", {}),  # unsigned
        signed(7, secret="guessed"),  # another secret
        signed(7, stamp=NOW - FRESH_S - 1),  # stale
        Invite("desk-7", {HOP_HEADER: "b;ts=x;nonce=n;sig=y"}),  # garbage
        Invite("desk-seven", {HOP_HEADER: "b"}),
    ],
)
async def test_an_invite_for_a_desk_not_signed_by_a_node_gets_403(invite: Invite) -> None:
    assert await hops().take(invite)
    assert invite.refused == [403]


async def test_a_signed_invite_passes_once_and_a_repeat_of_it_gets_403() -> None:
    node = hops()
    first = signed(7)
    assert await node.take(first)
    assert first.refused == [480]  # signed, but no browser leg of operator 7 here
    repeat = signed(7)
    assert await node.take(repeat)
    assert repeat.refused == [403]


async def test_without_a_secret_every_hop_is_refused_and_other_calls_are_left_alone() -> None:
    node = hops(secret="")
    invite = signed(7)
    assert await node.take(invite)
    assert invite.refused == [403]
    line_call = Invite("78001220122", {})
    assert not await node.take(line_call)
    assert line_call.refused == []
