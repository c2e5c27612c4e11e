"""The executor walked through the demo flow and through a collect node, one event at a time."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from tests.unit.domain.ivr.demo_flow import WEDNESDAY_NIGHT_MSK, WEDNESDAY_NOON_MSK, demo_document

from c122.domain.ivr import (
    DigitsCollected,
    Enqueue,
    Executor,
    Flow,
    FlowMismatch,
    HangUp,
    IvrState,
    MenuChosen,
    Phase,
    Play,
    SetCaseType,
    StopPlayback,
    Transfer,
    WaitForDigits,
    flow_from_dict,
)

NOW = WEDNESDAY_NOON_MSK


@pytest.fixture
def ivr(demo_flow: Flow) -> Executor:
    return Executor(demo_flow)


def at_main_menu(ivr: Executor) -> IvrState:
    """Greeting played, menu prompt played: waiting for a key."""
    state = ivr.on_playback_finished(ivr.start(NOW).state, NOW).state
    waiting = ivr.on_playback_finished(state, NOW)
    assert waiting.actions == (WaitForDigits(5.0),)
    return waiting.state


def test_given_working_hours_when_the_call_starts_then_the_greeting_plays_without_barge_in(
    ivr: Executor,
) -> None:
    step = ivr.start(NOW)
    assert step.actions == (Play(("welcome",), barge_in=False),)
    assert (step.state.node, step.state.phase) == ("welcome", Phase.PLAYING)


def test_given_night_time_when_the_call_starts_then_the_closed_notice_plays_and_the_call_ends(
    ivr: Executor,
) -> None:
    step = ivr.start(WEDNESDAY_NIGHT_MSK)
    assert step.actions == (Play(("closed",), barge_in=False),)
    end = ivr.on_playback_finished(step.state, WEDNESDAY_NIGHT_MSK)
    assert end.actions == (HangUp(),)
    assert end.state.phase is Phase.DONE
    assert end.final == HangUp()


def test_keys_during_the_greeting_are_ignored(ivr: Executor) -> None:
    state = ivr.start(NOW).state
    step = ivr.on_digit(state, "2", NOW)
    assert step.actions == ()
    assert step.state == state


def test_given_the_menu_when_caller_presses_2_then_case_type_and_queue_with_priority(ivr: Executor) -> None:
    step = ivr.on_digit(at_main_menu(ivr), "2", NOW)
    assert step.actions == (MenuChosen("main_menu", "2"), SetCaseType(2), Enqueue("doctor_home", 5))
    assert step.state.phase is Phase.DONE
    assert step.state.case_type == 2
    assert step.state.choices == (("main_menu", "2"),)
    assert step.final == Enqueue("doctor_home", 5)


def test_given_the_menu_prompt_playing_when_a_key_is_pressed_then_playback_stops_first(ivr: Executor) -> None:
    playing_menu = ivr.on_playback_finished(ivr.start(NOW).state, NOW)
    assert playing_menu.actions == (Play(("main_menu",), barge_in=True),)
    step = ivr.on_digit(playing_menu.state, "0", NOW)
    assert step.actions == (StopPlayback(), MenuChosen("main_menu", "0"), Enqueue("general", 0))


def test_given_a_wrong_key_when_pressed_then_the_invalid_notice_and_the_menu_replay(ivr: Executor) -> None:
    step = ivr.on_digit(at_main_menu(ivr), "7", NOW)
    assert step.actions == (Play(("invalid_choice", "main_menu"), barge_in=True),)
    assert (step.state.retries, step.state.phase) == (1, Phase.PLAYING)


def test_given_silence_when_the_timer_fires_then_the_no_choice_notice_and_the_menu_replay(
    ivr: Executor,
) -> None:
    step = ivr.on_timeout(at_main_menu(ivr), NOW)
    assert step.actions == (Play(("no_choice", "main_menu"), barge_in=True),)
    assert step.state.retries == 1


def test_given_retries_used_up_when_the_caller_fails_again_then_the_fallback_is_taken(ivr: Executor) -> None:
    silence = ivr.on_timeout(at_main_menu(ivr), NOW).state
    assert silence.retries == 1
    wrong_key = ivr.on_digit(ivr.on_playback_finished(silence, NOW).state, "8", NOW).state
    assert wrong_key.retries == 2  # max_retries = 2: two repeats after the first try
    step = ivr.on_timeout(ivr.on_playback_finished(wrong_key, NOW).state, NOW)
    assert step.actions == (Enqueue("general", 0),)
    assert step.state.node == "operator"


def test_a_timeout_while_a_prompt_plays_is_ignored(ivr: Executor) -> None:
    state = ivr.start(NOW).state
    assert ivr.on_timeout(state, NOW).actions == ()


def test_events_after_the_end_are_ignored(ivr: Executor) -> None:
    done = ivr.on_digit(at_main_menu(ivr), "1", NOW).state
    assert done.phase is Phase.DONE
    for step in (
        ivr.on_digit(done, "1", NOW),
        ivr.on_timeout(done, NOW),
        ivr.on_playback_finished(done, NOW),
    ):
        assert step.actions == ()
        assert step.state == done


@pytest.mark.parametrize("key", ["A", "", "12", "x"])
def test_a_key_that_is_not_dtmf_is_ignored(ivr: Executor, key: str) -> None:
    state = at_main_menu(ivr)
    assert ivr.on_digit(state, key, NOW).state == state


def test_the_state_survives_json_and_resumes_where_it_was(ivr: Executor) -> None:
    state = ivr.on_digit(at_main_menu(ivr), "5", NOW).state
    restored = IvrState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert ivr.on_playback_finished(restored, NOW) == ivr.on_playback_finished(state, NOW)


def test_given_a_state_from_another_flow_version_when_fed_then_it_is_refused(demo_flow: Flow) -> None:
    state = Executor(demo_flow).start(NOW).state
    newer = demo_flow.revised(entry=demo_flow.entry, nodes=demo_flow.nodes)
    assert newer.version == demo_flow.version + 1
    with pytest.raises(FlowMismatch):
        Executor(newer).on_playback_finished(state, NOW)


def test_a_transfer_node_ends_the_flow_with_the_e164_number() -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"]["9"] = "psychologist"
    document["nodes"]["psychologist"] = {"type": "transfer", "number": "8-800-2000-122"}
    ivr = Executor(flow_from_dict(document))
    step = ivr.on_digit(at_main_menu(ivr), "9", NOW)
    assert step.actions == (MenuChosen("main_menu", "9"), Transfer("+78002000122"))
    assert step.state.phase is Phase.DONE


def collect_executor(**fields: object) -> Executor:
    document = demo_document()
    document["entry"] = "policy"
    document["nodes"]["policy"] = {
        "type": "collect",
        "prompt": "enter_policy",
        "variable": "oms",
        "next": "doctor_home",
        "fallback": "operator",
        "min_length": 4,
        "max_length": 6,
        "terminator": "#",
        "timeout_s": 7,
        "max_retries": 1,
        "invalid_prompt": "invalid_choice",
    } | fields
    return Executor(flow_from_dict(document))


def press(ivr: Executor, state: IvrState, keys: str, now: datetime = NOW) -> IvrState:
    for key in keys:
        state = ivr.on_digit(state, key, now).state
    return state


def test_given_a_collect_prompt_when_keys_are_typed_over_it_then_it_stops_and_rearms_the_timer() -> None:
    ivr = collect_executor()
    start = ivr.start(NOW)
    assert start.actions == (Play(("enter_policy",), barge_in=True),)
    first = ivr.on_digit(start.state, "1", NOW)
    assert first.actions == (StopPlayback(), WaitForDigits(7.0))
    second = ivr.on_digit(first.state, "2", NOW)
    assert second.actions == (WaitForDigits(7.0),)
    assert second.state.digits == "12"


def test_given_enough_digits_when_the_terminator_is_pressed_then_they_are_collected() -> None:
    ivr = collect_executor()
    state = press(ivr, ivr.start(NOW).state, "1234")
    step = ivr.on_digit(state, "#", NOW)
    assert step.actions == (
        DigitsCollected("policy", "oms", "1234"),
        SetCaseType(2),
        Enqueue("doctor_home", 5),
    )
    assert step.state.variables == {"oms": "1234"}
    assert step.state.digits == ""


def test_given_max_length_reached_then_input_completes_without_terminator() -> None:
    ivr = collect_executor()
    state = press(ivr, ivr.start(NOW).state, "12345")
    step = ivr.on_digit(state, "6", NOW)
    assert step.actions[0] == DigitsCollected("policy", "oms", "123456")


def test_given_enough_digits_when_the_caller_pauses_then_the_timeout_completes_the_input() -> None:
    ivr = collect_executor()
    state = press(ivr, ivr.start(NOW).state, "98765")
    step = ivr.on_timeout(state, NOW)
    assert step.actions[0] == DigitsCollected("policy", "oms", "98765")


def test_given_too_few_digits_when_the_terminator_is_pressed_then_retry_then_fallback() -> None:
    ivr = collect_executor()
    state = press(ivr, ivr.start(NOW).state, "12")
    retry = ivr.on_digit(state, "#", NOW)
    assert retry.actions == (Play(("invalid_choice", "enter_policy"), barge_in=True),)
    assert (retry.state.digits, retry.state.retries) == ("", 1)
    state = ivr.on_playback_finished(retry.state, NOW).state
    state = press(ivr, state, "1")
    assert ivr.on_timeout(state, NOW).actions == (Enqueue("general", 0),)  # max_retries = 1 used up


def test_given_silence_in_collect_then_the_prompt_repeats_without_the_invalid_notice() -> None:
    ivr = collect_executor()
    state = ivr.on_playback_finished(ivr.start(NOW).state, NOW).state
    assert ivr.on_timeout(state, NOW).actions == (Play(("enter_policy",), barge_in=True),)


def test_star_is_not_a_digit_of_the_input_when_hash_terminates() -> None:
    ivr = collect_executor()
    state = press(ivr, ivr.start(NOW).state, "12")
    assert ivr.on_digit(state, "*", NOW).state == state


def test_without_a_terminator_hash_does_not_end_the_input() -> None:
    ivr = collect_executor(terminator=None)
    state = press(ivr, ivr.start(NOW).state, "1234")
    step = ivr.on_digit(state, "#", NOW)
    assert step.actions == ()
    assert step.state.digits == "1234"


def test_a_hang_up_node_without_prompt_ends_at_once() -> None:
    document = demo_document()
    document["nodes"]["closed"] = {"type": "hang_up"}
    step = Executor(flow_from_dict(document)).start(WEDNESDAY_NIGHT_MSK)
    assert step.actions == (HangUp(),)
    assert step.state.phase is Phase.DONE


def test_a_holiday_branch_is_taken_on_a_holiday_when_set() -> None:
    document = demo_document()
    document["nodes"]["hours"]["holiday"] = "operator"
    ivr = Executor(flow_from_dict(document))
    new_year_noon = datetime.fromisoformat("2027-01-01T12:00:00+03:00")
    assert ivr.start(new_year_noon).actions == (Enqueue("general", 0),)
    saturday_night = datetime.fromisoformat("2026-11-28T23:00:00+03:00")
    assert ivr.start(saturday_night).actions == (Play(("closed",), barge_in=False),)
