"""Position and estimated wait (TEL-09) against the worked examples in docs/contact-center/acd.md."""

from __future__ import annotations

from c122.domain.acd import (
    AcdSnapshot,
    HistorySnapshot,
    QueueConfig,
    Server,
    estimate_wait,
    expected_wait,
)


def test_example_1_two_busy_operators_three_callers_ahead() -> None:
    servers = [Server(free_in_s=190, share=1.0), Server(free_in_s=90, share=1.0)]
    assert expected_wait(3, 0.0, 240, servers) == 430


def test_example_2_recent_abandons_shorten_the_wait() -> None:
    servers = [Server(free_in_s=190, share=1.0), Server(free_in_s=90, share=1.0)]
    assert expected_wait(3, 1 / 3, 240, servers) == 330


def test_example_3_an_operator_shared_with_another_busy_queue_counts_by_share() -> None:
    servers = [Server(free_in_s=190, share=1.0), Server(free_in_s=90, share=0.5)]
    assert expected_wait(3, 0.0, 240, servers) == 570


def test_a_free_operator_means_no_wait_and_no_operator_means_no_estimate() -> None:
    assert expected_wait(0, 0.0, 240, [Server(0.0, 1.0)]) == 0.0
    assert expected_wait(4, 0.0, 240, []) is None


def example_world(make_world, answered: tuple[bool, ...] = (True, True)):
    """Example 1 driven through the ACD: talk 200 s and wrap-up 40 s on average."""
    history = HistorySnapshot(talk_s=(200.0,), wrap_s=(40.0,), answered=answered)
    world = make_world([QueueConfig(queue_id="q1", group_id="g1", wrap_up_s=40)], {"q1": ["a", "b"]})
    snap = world.acd.snapshot()
    world.acd = type(world.acd)(
        world.config,
        world.rng,
        snapshot=AcdSnapshot(
            operators=snap.operators, waiting=(), connected=(), callbacks=(), history={"q1": history}
        ),
    )
    world.clock.t = 0.0
    world.login("b", "a")
    world.clock.t = 850.0
    world.call("c1")
    world.accept("b", "c1")
    world.clock.t = 950.0
    world.call("c2")
    world.accept("a", "c2")
    for n, at in enumerate((960.0, 970.0, 980.0, 990.0), start=3):
        world.clock.t = at
        world.call(f"c{n}")
    world.clock.t = 1000.0
    return world


def test_example_1_through_the_acd_uses_live_operator_states_and_history(make_world) -> None:
    world = example_world(make_world)
    estimate = estimate_wait(world.acd.state, "c6", world.now)
    assert (estimate.position, estimate.ahead, estimate.servers, estimate.handling_s) == (4, 3, 2, 240.0)
    assert estimate.wait_s == 430.0
    first = estimate_wait(world.acd.state, "c3", world.now)
    assert (first.position, first.wait_s) == (1, 90.0)


def test_callers_with_higher_priority_count_as_ahead_even_when_they_came_later(make_world) -> None:
    world = example_world(make_world)
    world.call("urgent", priority=5)
    estimate = estimate_wait(world.acd.state, "c6", world.now)
    assert (estimate.position, estimate.ahead) == (5, 4)
    assert estimate.wait_s == 570.0


def test_a_ringing_caller_is_told_no_wait(make_world) -> None:
    world = make_world([QueueConfig(queue_id="q1", group_id="g1")], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    assert estimate_wait(world.acd.state, "c1", world.now).wait_s == 0.0


def test_nobody_working_the_queue_gives_no_estimate(make_world) -> None:
    world = make_world([QueueConfig(queue_id="q1", group_id="g1")], {"q1": ["a"]})
    world.call("c1")
    estimate = estimate_wait(world.acd.state, "c1", world.now)
    assert (estimate.position, estimate.wait_s) == (1, None)
