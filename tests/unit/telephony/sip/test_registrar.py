"""Registrar bindings: expiry, several contacts, unregister, interval checks."""

from __future__ import annotations

from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipRequest, parse_message
from c122.telephony.sip.registrar import Registrar

SRC = Source("udp", "192.0.2.10", 40000)


def register(*contacts: str, expires: int | None = None, cseq: int = 1, call_id: str = "reg1") -> SipRequest:
    lines = [
        "REGISTER sip:c122.local SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr" + str(cseq),
        "From: <sip:101@c122.local>;tag=a",
        "To: <sip:101@c122.local>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
    ]
    lines += [f"Contact: {c}" for c in contacts]
    if expires is not None:
        lines.append(f"Expires: {expires}")
    msg = parse_message(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode())
    assert isinstance(msg, SipRequest)
    return msg


def make(now: list[float]) -> tuple[Registrar, list[tuple[str, int]]]:
    changes: list[tuple[str, int]] = []
    reg = Registrar(
        min_expires=60,
        max_expires=3600,
        now=lambda: now[0],
        on_change=lambda a, b: changes.append((a, len(b))),
    )
    return reg, changes


def test_binding_is_stored_and_expires():
    now = [0.0]
    reg, changes = make(now)
    resp = reg.handle(register("<sip:101@192.168.1.5:5060>", expires=120), SRC, "101")
    assert resp.status == 200
    assert resp.headers.get_all("Contact") == ["<sip:101@192.168.1.5:5060>;expires=120"]
    [binding] = reg.lookup("101")
    assert binding.source == SRC
    assert changes == [("101", 1)]
    now[0] = 121
    assert reg.lookup("101") == []


def test_several_contacts_per_account_sorted_by_q_and_expiry_capped():
    now = [0.0]
    reg, _ = make(now)
    reg.handle(register("<sip:101@10.0.0.1>;q=0.5", "<sip:101@10.0.0.2>;q=0.9;expires=99999"), SRC, "101")
    bindings = reg.lookup("101")
    assert [b.contact.host for b in bindings] == ["10.0.0.2", "10.0.0.1"]
    assert bindings[0].expires_at == 3600


def test_unregister_one_contact_and_then_all_with_wildcard():
    now = [0.0]
    reg, _ = make(now)
    reg.handle(register("<sip:101@10.0.0.1>", "<sip:101@10.0.0.2>", cseq=1), SRC, "101")
    reg.handle(register("<sip:101@10.0.0.1>;expires=0", cseq=2), SRC, "101")
    assert [b.contact.host for b in reg.lookup("101")] == ["10.0.0.2"]
    assert reg.handle(register("*", expires=0, cseq=3), SRC, "101").status == 200
    assert reg.lookup("101") == []
    assert reg.handle(register("*", expires=60, cseq=4), SRC, "101").status == 400


def test_too_short_interval_is_answered_423_with_min_expires():
    reg, _ = make([0.0])
    resp = reg.handle(register("<sip:101@10.0.0.1>", expires=10), SRC, "101")
    assert resp.status == 423
    assert resp.headers.get("Min-Expires") == "60"


def test_replayed_cseq_on_the_same_call_id_is_refused():
    reg, _ = make([0.0])
    reg.handle(register("<sip:101@10.0.0.1>", cseq=5), SRC, "101")
    assert reg.handle(register("<sip:101@10.0.0.1>", cseq=5), SRC, "101").status == 500


def test_query_without_contact_lists_current_bindings():
    reg, _ = make([0.0])
    reg.handle(register("<sip:101@10.0.0.1>", expires=300), SRC, "101")
    resp = reg.handle(register(cseq=2), SRC, "101")
    assert resp.headers.get_all("Contact") == ["<sip:101@10.0.0.1>;expires=300"]


def test_bad_contact_is_a_400():
    reg, _ = make([0.0])
    assert reg.handle(register("<mailto:x@y>"), SRC, "101").status == 400


def test_a_binding_kept_across_a_restart_has_the_time_it_had_left():
    now = [0.0]
    before, _ = make(now)
    before.handle(register("<sip:101@192.168.1.5:5060>", expires=120), SRC, "101")
    now[0] = 20.0
    [binding] = before.lookup("101")
    left = before.expires_in(binding)
    assert left == 100

    later = [5000.0]  # another process: its own clock
    after, changes = make(later)
    after.restore(binding, left)
    [restored] = after.lookup("101")
    assert (restored.contact, restored.source, restored.call_id) == (binding.contact, SRC, binding.call_id)
    assert changes == []  # restoring is not a change to store again
    later[0] = 5100.0
    assert after.lookup("101") == []
