"""Save-time rules: every problem names the node and field it is about, in Russian."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.domain.ivr.demo_flow import CASE_TYPES, PROMPTS, QUEUES, demo_document

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.ivr import Flow, check_flow, flow_from_dict, validate_flow


def problems(document: dict[str, Any], **known: Any) -> list[FieldProblem]:
    context = {"known_prompts": PROMPTS, "known_queues": QUEUES, "known_case_types": CASE_TYPES} | known
    return validate_flow(flow_from_dict(document), **context)


def codes(document: dict[str, Any], **known: Any) -> dict[str, str]:
    return {p.path: p.code for p in problems(document, **known)}


def test_the_demo_flow_is_valid(demo_flow: Flow) -> None:
    assert (
        validate_flow(demo_flow, known_prompts=PROMPTS, known_queues=QUEUES, known_case_types=CASE_TYPES)
        == []
    )


def test_given_problems_when_checked_then_invalid_fields_carries_all_of_them() -> None:
    document = demo_document()
    document["nodes"]["welcome"]["prompt"] = "hello"
    document["nodes"]["main_menu"]["branches"]["0"] = "nowhere"
    with pytest.raises(InvalidFields) as refused:
        check_flow(flow_from_dict(document), known_prompts=PROMPTS)
    assert {p.path for p in refused.value.problems} == {"nodes.welcome.prompt", "nodes.main_menu.branches.0"}
    assert refused.value.code == "validation_error"


def test_a_prompt_that_is_not_uploaded_is_named() -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["timeout_prompt"] = "silence"
    [problem] = problems(document)
    assert (problem.path, problem.code) == ("nodes.main_menu.timeout_prompt", "unknown_prompt")
    assert problem.message == "нет фразы «silence»"


def test_a_branch_to_an_unknown_node_is_named_with_its_key() -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"]["1"] = "inf"
    found = codes(document)
    assert found["nodes.main_menu.branches.1"] == "unknown_node"
    assert found["nodes.info"] == "unreachable"  # the node the branch used to reach


def test_an_unknown_entry_is_named() -> None:
    document = demo_document()
    document["entry"] = "start"
    assert codes(document) == {"entry": "unknown_node"}


def test_an_unreachable_node_is_named() -> None:
    document = demo_document()
    document["nodes"]["old_menu"] = {"type": "play", "prompt": "welcome", "next": "operator"}
    [problem] = problems(document)
    assert (problem.path, problem.code) == ("nodes.old_menu", "unreachable")
    assert problem.message == "в узел нельзя попасть из начала схемы"


def test_a_loop_of_prompts_without_input_is_named_at_the_edge_that_closes_it() -> None:
    document = demo_document()
    document["nodes"]["hours"]["closed"] = "closed_notice"
    document["nodes"]["closed_notice"] = {"type": "play", "prompt": "closed", "next": "closed_again"}
    document["nodes"]["closed_again"] = {"type": "set_case_type", "case_type": 1, "next": "closed_notice"}
    found = problems(document)
    loops = [p for p in found if p.code == "loop_without_input"]
    assert [(p.path, p.message) for p in loops] == [
        ("nodes.closed_again.next", "цикл без ввода: closed_notice → closed_again → closed_notice")
    ]
    # Nothing in the loop can end the call either.
    assert {p.path for p in found if p.code == "no_end"} == {"nodes.closed_notice", "nodes.closed_again"}


def test_a_node_looping_to_itself_without_input_is_named() -> None:
    document = demo_document()
    document["nodes"]["welcome"]["next"] = "welcome"
    found = codes(document)
    assert found["nodes.welcome.next"] == "loop_without_input"


def test_a_loop_through_a_menu_waits_for_the_caller_and_is_allowed() -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"]["9"] = "welcome"  # "9: listen again"
    document["nodes"]["main_menu"]["fallback"] = "welcome"  # silence plays the greeting again
    assert problems(document) == []


def test_a_flow_with_no_way_to_end_names_every_node_that_cannot_end() -> None:
    document = demo_document()
    nodes = document["nodes"]
    nodes["main_menu"]["branches"] = {"1": "welcome"}
    nodes["main_menu"]["fallback"] = "welcome"
    nodes["hours"]["closed"] = "welcome"
    for unused in ("info", "queue_info", "doctor_home", "queue_doctor", "appointment", "queue_appointment"):
        del nodes[unused]
    del nodes["operator"], nodes["closed"]
    found = problems(document)
    assert {p.path for p in found} == {"nodes.hours", "nodes.welcome", "nodes.main_menu"}
    assert {p.code for p in found} == {"no_end"}
    assert found[0].message == "из узла нет пути к очереди, переводу или отбою"


def test_a_menu_without_options_is_refused() -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"] = {}
    found = codes(document)
    assert found["nodes.main_menu.branches"] == "required"


@pytest.mark.parametrize("key", ["12", "a", "", "+", "１"])
def test_a_menu_key_that_is_not_one_dtmf_key_is_refused(key: str) -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"][key] = "operator"
    assert codes(document) == {f"nodes.main_menu.branches.{key}": "bad_digit"}


@pytest.mark.parametrize("key", ["*", "#", "9"])
def test_star_hash_and_digits_are_menu_keys(key: str) -> None:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"][key] = "operator"
    assert problems(document) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("timeout_s", 0, "out_of_range"),
        ("timeout_s", 61, "out_of_range"),
        ("max_retries", -1, "out_of_range"),
        ("max_retries", 11, "out_of_range"),
    ],
)
def test_menu_timeouts_and_retries_have_limits(field: str, value: int, code: str) -> None:
    document = demo_document()
    document["nodes"]["main_menu"][field] = value
    assert codes(document) == {f"nodes.main_menu.{field}": code}


def collect_document(**fields: Any) -> dict[str, Any]:
    document = demo_document()
    document["nodes"]["main_menu"]["branches"]["2"] = "policy"
    document["nodes"]["policy"] = {
        "type": "collect",
        "prompt": "enter_policy",
        "variable": "oms",
        "next": "doctor_home",
        "fallback": "operator",
    } | fields
    return document


def test_a_collect_node_with_sane_limits_is_valid() -> None:
    assert problems(collect_document(min_length=16, max_length=16, terminator="#")) == []


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        ({"min_length": 0}, "min_length", "out_of_range"),
        ({"max_length": 33}, "max_length", "out_of_range"),
        ({"min_length": 10, "max_length": 4}, "max_length", "less_than_min"),
        ({"terminator": "5"}, "terminator", "bad_digit"),
        ({"terminator": "##"}, "terminator", "bad_digit"),
        ({"variable": "полис"}, "variable", "invalid_id"),
        ({"next": "nowhere"}, "next", "unknown_node"),
    ],
)
def test_collect_node_rules(fields: dict[str, Any], path: str, code: str) -> None:
    assert codes(collect_document(**fields))[f"nodes.policy.{path}"] == code


def test_schedule_intervals_must_run_forward_and_not_overlap() -> None:
    document = demo_document()
    weekly = document["nodes"]["hours"]["schedule"]["weekly"]
    weekly["mon"] = [["20:00", "08:00"]]
    weekly["tue"] = [["08:00", "14:00"], ["13:00", "20:00"]]
    document["nodes"]["hours"]["schedule"]["holidays"].append({"date": "2027-01-01"})
    assert codes(document) == {
        "nodes.hours.schedule.weekly.mon.0": "empty_interval",
        "nodes.hours.schedule.weekly.tue": "overlap",
        "nodes.hours.schedule.holidays.2.date": "duplicate",
    }


def test_unknown_queue_case_type_and_priority_out_of_range_are_named() -> None:
    document = demo_document()
    document["nodes"]["queue_info"]["queue"] = "lost"
    document["nodes"]["queue_doctor"]["priority"] = 101
    document["nodes"]["info"]["case_type"] = 99
    assert codes(document) == {
        "nodes.queue_info.queue": "unknown_queue",
        "nodes.queue_doctor.priority": "out_of_range",
        "nodes.info.case_type": "unknown_case_type",
    }


def test_queues_and_case_types_are_not_checked_when_not_given() -> None:
    document = demo_document()
    document["nodes"]["queue_info"]["queue"] = "lost"
    assert problems(document, known_queues=None, known_case_types=None) == []


@pytest.mark.parametrize(
    ("number", "code"),
    [("+7495", "invalid_phone"), ("112", "invalid_phone"), ("телефон", "invalid_phone")],
)
def test_a_transfer_to_a_bad_number_is_refused_with_the_reason(number: str, code: str) -> None:
    document = demo_document()
    document["nodes"]["operator"] = {"type": "transfer", "number": number}
    [problem] = problems(document)
    assert (problem.path, problem.code) == ("nodes.operator.number", code)
    assert problem.message  # the phone rules' own Russian reason


def test_flow_level_fields_are_checked() -> None:
    document = demo_document()
    document["name"] = "  "
    document["timezone"] = "Mars/Olympus"
    document["version"] = 0
    document["nodes"]["Main menu"] = document["nodes"].pop("welcome")
    document["nodes"]["hours"]["open"] = "Main menu"
    found = codes(document)
    assert found == {
        "name": "required",
        "timezone": "unknown_timezone",
        "version": "invalid",
        "nodes.Main menu": "invalid_id",
    }


def test_a_flow_without_nodes_is_refused() -> None:
    assert codes({"name": "Пусто", "entry": "start", "nodes": {}}) == {"nodes": "required"}
