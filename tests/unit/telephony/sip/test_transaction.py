"""The four RFC 3261 transaction state machines, driven by a fake clock and a recording sender."""

from __future__ import annotations

import pytest

from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipRequest, SipResponse, make_response, parse_message
from c122.telephony.sip.timers import TimerSettings
from c122.telephony.sip.transaction import Destination, State, TransactionLayer

T = TimerSettings(t1=0.5, t2=4.0, t4=5.0)
UDP = Destination("udp", "10.0.0.9", 5060)
TCP = Destination("tcp", "10.0.0.9", 5060)
PEER = Source("udp", "10.0.0.9", 5060)


def req(method: str = "INVITE", branch: str = "z9hG4bKabc", to_tag: str = "", cseq: int = 1) -> SipRequest:
    tag = f";tag={to_tag}" if to_tag else ""
    raw = (
        f"{method} sip:bob@10.0.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n"
        f"From: <sip:a@h>;tag=f1\r\nTo: <sip:bob@h>{tag}\r\nCall-ID: c1\r\nCSeq: {cseq} {method}\r\n"
        "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    msg = parse_message(raw)
    assert isinstance(msg, SipRequest)
    return msg


def resp(request: SipRequest, status: int) -> SipResponse:
    return make_response(request, status, to_tag="t9")


@pytest.fixture
def layer(clock, sender):
    got: list[tuple[SipRequest, object]] = []
    stray: list[SipResponse] = []
    tl = TransactionLayer(
        sender,
        clock,
        T,
        on_request=lambda r, s, tx: got.append((r, tx)),
        on_stray_response=lambda r, s: stray.append(r),
    )
    tl.got = got  # type: ignore[attr-defined]
    tl.stray = stray  # type: ignore[attr-defined]
    return tl


def send_times(clock, sender, until: float, step: float = 0.05) -> list[float]:
    times = []
    for _ in range(int(until / step)):
        before = len(sender.sent)
        clock.advance(step)
        if len(sender.sent) != before:
            times.append(round(clock.now, 1))
    return times


def test_invite_client_retransmits_with_doubling_interval_then_times_out(layer, clock, sender):
    timeouts = []
    layer.client(req(), UDP, lambda r: None, lambda: timeouts.append(clock.now))
    assert send_times(clock, sender, 40) == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert timeouts == [32.0]
    assert not layer.clients


def test_invite_client_stops_retransmitting_after_a_provisional(layer, clock, sender):
    seen = []
    tx = layer.client(req(), UDP, seen.append, lambda: None)
    layer.handle(resp(tx.request, 180), PEER)
    clock.advance(10)
    assert len(sender.sent) == 1
    assert tx.state is State.PROCEEDING
    assert [r.status for r in seen] == [180]


def test_invite_client_acks_a_non_2xx_final_itself_and_again_on_retransmission(layer, clock, sender):
    tx = layer.client(req(), UDP, lambda r: None, lambda: None)
    final = resp(tx.request, 486)
    layer.handle(final, PEER)
    layer.handle(final, PEER)
    acks = [d for d, *_ in sender.sent if d.startswith(b"ACK")]
    assert len(acks) == 2
    ack = parse_message(acks[0])
    assert ack.top_via.branch == "z9hG4bKabc"
    assert ack.cseq == (1, "ACK")
    assert ack.to.tag == "t9"
    assert tx.state is State.COMPLETED
    clock.advance(T.d(False) + 0.1)
    assert tx.state is State.TERMINATED


def test_invite_client_passes_2xx_retransmissions_to_the_core_without_acking_them(layer, clock, sender):
    seen = []
    tx = layer.client(req(), UDP, seen.append, lambda: None)
    ok = resp(tx.request, 200)
    layer.handle(ok, PEER)
    layer.handle(ok, PEER)
    assert [r.status for r in seen] == [200, 200]
    assert not any(d.startswith(b"ACK") for d, *_ in sender.sent)
    assert tx.state is State.ACCEPTED
    clock.advance(T.b + 0.1)
    layer.handle(ok, PEER)
    assert layer.stray == [ok]


def test_non_invite_client_caps_retransmission_at_t2_and_times_out_with_timer_f(layer, clock, sender):
    timeouts = []
    layer.client(req("OPTIONS"), UDP, lambda r: None, lambda: timeouts.append(clock.now))
    times = send_times(clock, sender, 33)
    # intervals double from T1 and stay at T2 = 4 s
    assert times == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert timeouts == [32.0]


def test_non_invite_client_over_tcp_does_not_retransmit(layer, clock, sender):
    layer.client(req("OPTIONS"), TCP, lambda r: None, lambda: None)
    clock.advance(20)
    assert len(sender.sent) == 1


def test_non_invite_client_completes_and_waits_timer_k(layer, clock, sender):
    seen = []
    tx = layer.client(req("BYE", to_tag="t9"), UDP, seen.append, lambda: None)
    layer.handle(resp(tx.request, 200), PEER)
    assert tx.state is State.COMPLETED
    clock.advance(T.t4 - 0.1)
    assert tx.state is State.COMPLETED
    clock.advance(0.2)
    assert tx.state is State.TERMINATED
    assert [r.status for r in seen] == [200]


def test_invite_server_absorbs_retransmissions_by_resending_the_last_provisional(layer, sender):
    layer.handle(req(), PEER)
    [(request, stx)] = layer.got
    stx.respond(make_response(request, 180, to_tag="x"))
    layer.handle(req(), PEER)
    assert len(layer.got) == 1
    assert [r.status for r in sender.responses] == [180, 180]


def test_invite_server_retransmits_a_failure_until_ack_then_goes_quiet(layer, clock, sender):
    layer.handle(req(), PEER)
    [(request, stx)] = layer.got
    stx.respond(make_response(request, 486, to_tag="x"))
    clock.advance(0.5 + 1.0 + 0.01)
    assert [r.status for r in sender.responses] == [486, 486, 486]
    layer.handle(req("ACK", to_tag="x"), PEER)
    assert stx.state is State.CONFIRMED
    clock.advance(4)
    assert len(sender.responses) == 3
    assert len(layer.got) == 1  # the ACK was absorbed by the transaction
    clock.advance(T.t4)
    assert stx.state is State.TERMINATED


def test_invite_server_reports_a_missing_ack_after_timer_h(layer, clock):
    lost = []
    layer.handle(req(), PEER)
    [(request, stx)] = layer.got
    stx.on_no_ack = lambda: lost.append(clock.now)
    stx.respond(make_response(request, 480, to_tag="x"))
    clock.advance(T.b + 1)
    assert lost == [pytest.approx(T.b)]
    assert stx.state is State.TERMINATED


def test_ack_for_a_2xx_goes_to_the_core_not_to_the_transaction(layer):
    layer.handle(req(), PEER)
    [(request, stx)] = layer.got
    stx.respond(make_response(request, 200, to_tag="x"))
    ack = req("ACK", branch="z9hG4bKnew", to_tag="x")
    layer.handle(ack, PEER)
    assert layer.got[-1] == (ack, None)


def test_non_invite_server_resends_its_final_response_on_retransmission(layer, clock, sender):
    layer.handle(req("OPTIONS"), PEER)
    [(request, stx)] = layer.got
    stx.respond(make_response(request, 200))
    layer.handle(req("OPTIONS"), PEER)
    assert [r.status for r in sender.responses] == [200, 200]
    clock.advance(T.b + 0.1)
    assert stx.state is State.TERMINATED
    layer.handle(req("OPTIONS"), PEER)
    assert len(layer.got) == 2  # after timer J a copy is a new request


def test_a_forked_copy_of_a_pending_request_on_another_branch_is_merged_with_482(layer, sender):
    layer.handle(req(branch="z9hG4bKone"), PEER)
    layer.handle(req(branch="z9hG4bKtwo"), PEER)
    assert len(layer.got) == 1
    assert [r.status for r in sender.responses] == [482]


def test_cancel_finds_the_invite_server_transaction(layer):
    layer.handle(req(), PEER)
    cancel = req("CANCEL")
    assert layer.invite_server_for_cancel(cancel) is layer.got[0][1]
    assert layer.invite_server_for_cancel(req("CANCEL", branch="z9hG4bKother")) is None


def test_timer_settings_must_be_ordered():
    with pytest.raises(ValueError, match="t1"):
        TimerSettings(t1=5, t2=4)
    assert TimerSettings(t1=0.1).b == pytest.approx(6.4)
