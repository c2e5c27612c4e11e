"""The callback-offer node: read, validated, run by the executor and walked by the simulator."""

from __future__ import annotations

from typing import Any

from tests.unit.domain.ivr.demo_flow import PROMPTS, QUEUES, WEDNESDAY_NOON_MSK, demo_document

from c122.domain.ivr import (
    CallbackOfferNode,
    Enqueue,
    Executor,
    Phase,
    Play,
    RequestCallback,
    StopPlayback,
    WaitForDigits,
    flow_from_dict,
    flow_to_dict,
    simulate,
    validate_flow,
)

NOW = WEDNESDAY_NOON_MSK


def offering(**fields: Any) -> dict[str, Any]:
    """The demo flow whose menu fallback offers a callback in «general» instead of queueing."""
    document = demo_document()
    node = {"type": "callback_offer", "prompt": "main_menu", "queue": "general", "declined": "operator"}
    node.update(fields)
    document["nodes"]["offer"] = node
    document["nodes"]["main_menu"]["branches"]["9"] = "offer"
    return document


def test_the_node_reads_with_defaults_and_writes_back_to_the_same_document() -> None:
    flow = flow_from_dict(offering(confirm_prompt="closed"))
    node = flow.nodes["offer"]
    assert node == CallbackOfferNode(
        prompt="main_menu", queue="general", declined="operator", confirm_prompt="closed"
    )
    assert flow_from_dict(flow_to_dict(flow)) == flow


def test_a_valid_offer_passes_and_bad_fields_are_named_on_the_node() -> None:
    assert validate_flow(flow_from_dict(offering()), known_prompts=PROMPTS, known_queues=QUEUES) == []
    bad = offering(queue="nowhere", accept_key="12", priority=500, timeout_s=0.1, declined="gone")
    bad["nodes"]["offer"]["confirm_prompt"] = "missing"
    found = {
        (p.path, p.code)
        for p in validate_flow(flow_from_dict(bad), known_prompts=PROMPTS, known_queues=QUEUES)
    }
    assert found == {
        ("nodes.offer.queue", "unknown_queue"),
        ("nodes.offer.accept_key", "bad_digit"),
        ("nodes.offer.priority", "out_of_range"),
        ("nodes.offer.timeout_s", "out_of_range"),
        ("nodes.offer.declined", "unknown_node"),
        ("nodes.offer.confirm_prompt", "unknown_prompt"),
    }


def test_pressing_the_accept_key_while_the_offer_plays_requests_the_callback_and_ends_the_flow() -> None:
    ivr = Executor(flow_from_dict(offering(priority=7, confirm_prompt="closed")))
    state = ivr.on_playback_finished(ivr.start(NOW).state, NOW).state  # greeting played
    state = ivr.on_playback_finished(state, NOW).state  # menu waits
    offer = ivr.on_digit(state, "9", NOW)
    assert offer.actions[-1] == Play(("main_menu",), barge_in=True)
    accepted = ivr.on_digit(offer.state, "1", NOW)
    assert accepted.actions == (StopPlayback(), RequestCallback("general", 7, "closed"))
    assert accepted.final == RequestCallback("general", 7, "closed")
    assert accepted.state.phase is Phase.DONE


def test_another_key_or_silence_declines_the_offer() -> None:
    ivr = Executor(flow_from_dict(offering()))
    state = ivr.on_playback_finished(ivr.start(NOW).state, NOW).state
    menu = ivr.on_playback_finished(state, NOW).state
    offer = ivr.on_digit(menu, "9", NOW).state
    assert ivr.on_digit(offer, "2", NOW).final == Enqueue("general", 0)
    waiting = ivr.on_playback_finished(offer, NOW)
    assert waiting.actions == (WaitForDigits(5.0),)
    assert ivr.on_timeout(waiting.state, NOW).final == Enqueue("general", 0)


def test_the_simulator_names_the_callback_as_the_outcome() -> None:
    flow = flow_from_dict(offering(accept_key="#", confirm_prompt="closed"))
    run = simulate(flow, "9#", NOW)
    assert (run.outcome, run.queue, run.end_node) == ("callback", "general", "offer")
    assert "callback requested in queue general" in run.steps[-1].notes
    assert run.steps[-1].played == ("closed",)
    declined = simulate(flow, "91", NOW)
    assert (declined.outcome, declined.queue) == ("enqueue", "general")
