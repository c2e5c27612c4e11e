"""Random valid flows driven by random callers: the executor never raises, never spins without telling the
service what to do, and every step leaves the call ended (enqueue/transfer/hang-up) or waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c122.domain.ivr import (
    FINAL_ACTIONS,
    Executor,
    Flow,
    Phase,
    Play,
    Step,
    WaitForDigits,
    edges,
    flow_from_dict,
    validate_flow,
)

PROMPTS = ["p1", "p2", "p3"]
KEYS = list("0123456789*#")
TERMINAL = ["enqueue", "transfer", "hang_up"]
ALL_TYPES = ["play", "menu", "collect", "schedule", "set_case_type", *TERMINAL]
BASE = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday


@st.composite
def intervals(draw: st.DrawFn) -> list[list[str]]:
    start = draw(st.integers(0, 22))
    end = draw(st.integers(start + 1, 24))
    return [[f"{start:02d}:00", f"{end:02d}:00"]]


@st.composite
def node_documents(draw: st.DrawFn, index: int, ids: list[str]) -> dict[str, Any]:
    later = ids[index + 1 :]
    # Nodes that move on by themselves only point forward, so a silent loop cannot form; input nodes may
    # point anywhere (menus back to themselves or to earlier nodes).
    kind = draw(st.sampled_from(ALL_TYPES if later else TERMINAL))
    forward = st.sampled_from(later) if later else st.nothing()
    prompt = st.sampled_from(PROMPTS)
    maybe_prompt = st.none() | prompt
    if kind == "play":
        return {"type": kind, "prompt": draw(prompt), "next": draw(forward)}
    if kind == "menu":
        keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
        return {
            "type": kind,
            "prompt": draw(prompt),
            "branches": {key: draw(st.sampled_from(ids)) for key in keys},
            "fallback": draw(forward),
            "timeout_s": draw(st.sampled_from([1, 5, 10])),
            "max_retries": draw(st.integers(0, 3)),
            "invalid_prompt": draw(maybe_prompt),
            "timeout_prompt": draw(maybe_prompt),
        }
    if kind == "collect":
        low = draw(st.integers(1, 4))
        return {
            "type": kind,
            "prompt": draw(prompt),
            "variable": draw(st.sampled_from(["oms", "code"])),
            "next": draw(forward),
            "fallback": draw(forward),
            "min_length": low,
            "max_length": draw(st.integers(low, 6)),
            "terminator": draw(st.sampled_from(["#", "*", None])),
            "max_retries": draw(st.integers(0, 2)),
            "invalid_prompt": draw(maybe_prompt),
        }
    if kind == "schedule":
        weekly = draw(st.dictionaries(st.sampled_from(["mon", "tue", "wed", "sat"]), intervals(), max_size=4))
        holidays = [{"date": "2026-11-24"}] if draw(st.booleans()) else []
        node = {"type": kind, "schedule": {"weekly": weekly, "holidays": holidays}}
        return node | {"open": draw(forward), "closed": draw(forward), "holiday": draw(st.none() | forward)}
    if kind == "set_case_type":
        return {"type": kind, "case_type": draw(st.integers(1, 5)), "next": draw(forward)}
    if kind == "enqueue":
        return {
            "type": kind,
            "queue": draw(st.sampled_from(["q1", "q2"])),
            "priority": draw(st.integers(0, 9)),
        }
    if kind == "transfer":
        return {"type": kind, "number": "+74951234567"}
    return {"type": kind, "prompt": draw(maybe_prompt)}


def reachable_only(flow: Flow) -> Flow:
    seen = [flow.entry]
    for node_id in seen:
        seen.extend(t for _, t in edges(flow.nodes[node_id]) if t not in seen)
    return Flow(flow.name, flow.version, flow.entry, flow.timezone, {n: flow.nodes[n] for n in seen})


@st.composite
def valid_flows(draw: st.DrawFn) -> Flow:
    ids = [f"n{i}" for i in range(draw(st.integers(1, 8)))]
    nodes = {node_id: draw(node_documents(index, ids)) for index, node_id in enumerate(ids)}
    document = {"name": "случайная", "entry": "n0", "timezone": "Europe/Moscow", "nodes": nodes}
    return reachable_only(flow_from_dict(document))


events = st.lists(
    st.one_of(
        st.tuples(st.just("digit"), st.sampled_from([*KEYS, "A"])),
        st.tuples(st.just("timeout"), st.none()),
        st.tuples(st.just("played"), st.none()),
    ),
    max_size=40,
)


def check_step(before: Any, step: Step, flow: Flow) -> None:
    assert len(step.actions) <= len(flow.nodes) + 3
    if not step.actions:
        assert step.state == before, "an ignored event must not change the state"
        return
    finals = [a for a in step.actions if isinstance(a, FINAL_ACTIONS)]
    last = step.actions[-1]
    if step.state.phase is Phase.DONE:
        assert finals == [last]
    else:
        assert finals == []
        expected = Play if step.state.phase is Phase.PLAYING else WaitForDigits
        assert isinstance(last, expected), f"{step.state.phase} must end with {expected.__name__}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=valid_flows(), script=events, start_minutes=st.integers(0, 7 * 24 * 60))
def test_random_valid_flows_under_random_callers_always_end_or_wait(
    flow: Flow, script: list[tuple[str, str | None]], start_minutes: int
) -> None:
    assert validate_flow(flow, known_prompts=PROMPTS) == []
    ivr = Executor(flow)
    now = BASE + timedelta(minutes=start_minutes)
    step = ivr.start(now)
    check_step(None, step, flow)
    for kind, value in script:
        now += timedelta(seconds=3)
        state = step.state
        if kind == "digit":
            assert value is not None
            step = ivr.on_digit(state, value, now)
        elif kind == "timeout":
            step = ivr.on_timeout(state, now)
        else:
            step = ivr.on_playback_finished(state, now)
        check_step(state, step, flow)
        if state.phase is Phase.DONE:
            assert step.state == state
