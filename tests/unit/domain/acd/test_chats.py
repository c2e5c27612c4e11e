"""Text work items (chats) in the ACD: offered like calls, several held at once up to the group's limit
besides one call, a declined or timed-out offer goes to the next operator, a restart keeps them, and the
queue log records them as their own channel."""

from __future__ import annotations

from c122.domain.acd import (
    ChatOffered,
    ChatOfferMissed,
    GroupPolicy,
    NoSuchOffer,
    Outcome,
    QueueConfig,
    compute_kpis,
    to_records,
)
from c122.domain.acd.chats import held_by

TEXT_QUEUES = [
    QueueConfig(queue_id="q1", group_id="g1"),
    QueueConfig(queue_id="chat", group_id="g1", ring_timeout_s=30, retry_s=60),
]


def _world(make_world, limit: int = 2, members=("a", "b")):
    policy = GroupPolicy(group_id="g1", idle_to_away_s=None, chat_limit=limit)
    return make_world(TEXT_QUEUES, {"q1": list(members), "chat": list(members)}, policies=[policy])


def chat_offers(outcome: Outcome) -> list[tuple[str, str]]:
    return [(e.offer.call_id, e.offer.operator_id) for e in outcome.events if isinstance(e, ChatOffered)]


def _chat(world, call_id: str, **kwargs) -> Outcome:
    return world.acd.enqueue_chat(call_id, "chat", f"+7900{call_id}", "app", world.now, **kwargs)


def test_a_chat_is_offered_to_the_longest_idle_operator_and_accepted(make_world) -> None:
    world = _world(make_world)
    world.login("a", "b")
    outcome = _chat(world, "chat-1")
    assert chat_offers(outcome) == [("chat-1", "a")]
    assert world.status("a").value == "ready"  # a chat offer does not ring the call line
    world.acd.accept_chat("a", "chat-1", world.now)
    assert [c.call_id for c in held_by(world.acd.state, "a")] == ["chat-1"]
    # The next chat goes to the operator holding fewer.
    assert chat_offers(_chat(world, "chat-2")) == [("chat-2", "b")]


def test_an_operator_holds_chats_up_to_the_limit_and_a_call_besides(make_world) -> None:
    world = _world(make_world, limit=2, members=("a",))
    world.login("a")
    for n in (1, 2):
        assert chat_offers(_chat(world, f"chat-{n}")) == [(f"chat-{n}", "a")]
        world.acd.accept_chat("a", f"chat-{n}", world.now)
    assert chat_offers(_chat(world, "chat-3")) == []  # at the limit: the third waits
    assert world.offers(world.call("call-1")) == [("call-1", "a")]  # one call besides the chats
    world.accept("a", "call-1")
    assert world.status("a").value == "on_call"
    # A chat ending frees a place: the waiting one is offered at once, even on a call.
    ended = world.acd.end_chat("chat-1", world.now)
    assert chat_offers(ended) == [("chat-3", "a")]


def test_a_declined_or_timed_out_offer_goes_to_the_next_operator(make_world) -> None:
    world = _world(make_world)
    world.login("a", "b")
    assert chat_offers(_chat(world, "chat-1")) == [("chat-1", "a")]
    declined = world.acd.decline_chat("a", "chat-1", world.now)
    assert chat_offers(declined) == [("chat-1", "b")]
    assert any(isinstance(e, ChatOfferMissed) and e.cause == "rejected" for e in declined.events)
    timed_out = world.tick(31)
    missed = [e for e in timed_out.events if isinstance(e, ChatOfferMissed)]
    assert [(e.operator_id, e.cause) for e in missed] == [("b", "offer_timeout")]
    assert chat_offers(timed_out) == []  # a is kept away for the queue's retry interval
    assert chat_offers(world.tick(30)) == [("chat-1", "a")]
    try:
        world.acd.accept_chat("b", "chat-1", world.now)
    except NoSuchOffer:
        pass
    else:
        raise AssertionError("a missed offer cannot be accepted")


def test_an_operator_on_break_is_not_offered_chats_and_a_pending_offer_moves_on(make_world) -> None:
    world = _world(make_world)
    world.login("a", "b")
    assert chat_offers(_chat(world, "chat-1")) == [("chat-1", "a")]
    world.acd.take_break("a", "lunch", world.now)
    moved = world.tick(1)
    assert chat_offers(moved) == [("chat-1", "b")]


def test_a_restart_keeps_waiting_and_held_chats(make_world) -> None:
    world = _world(make_world, limit=1, members=("a",))
    world.login("a")
    _chat(world, "chat-1")
    world.acd.accept_chat("a", "chat-1", world.now)
    _chat(world, "chat-2", priority=1)
    _chat(world, "chat-3", priority=5)
    again = world.restarted()
    assert set(again.acd.state.chats) == {"chat-1", "chat-2", "chat-3"}
    assert chat_offers(again.acd.end_chat("chat-1", again.now)) == [("chat-3", "a")]  # priority first


def test_the_queue_log_keeps_chats_apart_from_calls(make_world) -> None:
    world = _world(make_world)
    world.login("a", "b")
    events = list(_chat(world, "chat-1").events)
    world.clock.advance(12)
    events += world.acd.accept_chat("a", "chat-1", world.now).events
    events += world.call("call-1").events
    world.clock.advance(3)
    answerer = next(op for op in ("a", "b") if world.offered_call(op) == "call-1")
    events += world.accept(answerer, "call-1").events
    records = [r for r in to_records(events) if r.kind.value != "state_change"]
    assert {(r.kind.value, r.media) for r in records if r.call_id == "chat-1"} == {
        ("enter", "text"),
        ("offer", "text"),
        ("connect", "text"),
    }
    calls = compute_kpis(records)
    chats = compute_kpis(records, media="text")
    assert (calls.answered, chats.answered) == (1, 1)
    assert chats.longest_wait_s == 12
