"""Reading and writing flows as JSON-able documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.domain.ivr.demo_flow import demo_document

from c122.domain.errors import InvalidFields
from c122.domain.ivr import CollectNode, Flow, TransferNode, flow_from_dict, flow_to_dict


def problems_of(document: Any) -> dict[str, str]:
    with pytest.raises(InvalidFields) as refused:
        flow_from_dict(document)
    return {p.path: p.code for p in refused.value.problems}


def test_the_demo_flow_survives_a_json_round_trip(demo_flow: Flow) -> None:
    text = json.dumps(flow_to_dict(demo_flow), ensure_ascii=False)
    assert flow_from_dict(json.loads(text)) == demo_flow


def test_given_a_collect_node_without_terminator_when_written_and_read_then_it_stays_without() -> None:
    document = demo_document()
    document["nodes"]["policy"] = {
        "type": "collect",
        "prompt": "enter_policy",
        "variable": "oms",
        "next": "operator",
        "fallback": "operator",
        "min_length": 16,
        "max_length": 16,
        "terminator": None,
    }
    flow = flow_from_dict(document)
    node = flow.nodes["policy"]
    assert isinstance(node, CollectNode)
    assert node.terminator is None
    assert flow_from_dict(flow_to_dict(flow)).nodes["policy"] == node


def test_a_collect_node_ends_on_hash_unless_told_otherwise() -> None:
    document = demo_document()
    document["nodes"]["policy"] = {
        "type": "collect",
        "prompt": "enter_policy",
        "variable": "oms",
        "next": "operator",
        "fallback": "operator",
    }
    node = flow_from_dict(document).nodes["policy"]
    assert isinstance(node, CollectNode)
    assert node.terminator == "#"


def test_given_a_transfer_number_in_8_format_when_read_then_it_is_stored_as_e164() -> None:
    document = demo_document()
    document["nodes"]["operator"] = {"type": "transfer", "number": "8 (495) 123-45-67"}
    assert flow_from_dict(document).nodes["operator"] == TransferNode("+74951234567")


def test_missing_and_mistyped_fields_are_named_by_path() -> None:
    document = demo_document()
    del document["entry"]
    document["nodes"]["main_menu"]["timeout_s"] = "five"
    document["nodes"]["welcome"]["type"] = "speak"
    del document["nodes"]["queue_info"]["queue"]
    document["nodes"]["info"]["case_type"] = True
    assert problems_of(document) == {
        "entry": "required",
        "nodes.main_menu.timeout_s": "invalid_type",
        "nodes.welcome.type": "unknown_type",
        "nodes.queue_info.queue": "required",
        "nodes.info.case_type": "invalid_type",
    }


def test_malformed_schedules_are_named_by_path() -> None:
    document = demo_document()
    schedule = document["nodes"]["hours"]["schedule"]
    schedule["weekly"]["monday"] = [["08:00", "20:00"]]
    schedule["weekly"]["tue"] = [["8:00", "20:00"]]
    schedule["weekly"]["wed"] = "08:00-20:00"
    schedule["holidays"].append({"date": "31.12.2026"})
    assert problems_of(document) == {
        "nodes.hours.schedule.weekly.monday": "unknown_day",
        "nodes.hours.schedule.weekly.tue.0": "invalid_time",
        "nodes.hours.schedule.weekly.wed": "invalid_type",
        "nodes.hours.schedule.holidays.2.date": "invalid_date",
    }


@pytest.mark.parametrize("document", [[], "flow", None])
def test_a_document_that_is_not_an_object_is_refused(document: Any) -> None:
    assert problems_of(document) == {"": "not_object"}


def test_the_demo_flow_in_the_documentation_is_the_one_tested_here() -> None:
    page = (Path(__file__).parents[4] / "docs/contact-center/ivr.md").read_text(encoding="utf-8")
    block = page.split("### The demo flow", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert json.loads(block) == demo_document()
