"""The demo's voice menu is the flow documented in docs/contact-center/ivr.md, made valid for the demo."""

from __future__ import annotations

import json
from pathlib import Path

from c122.demo_ivr import HOTLINE_FLOW_DOC, PROMPTS, DemoQueues, hotline_flow, vaccination_flow
from c122.domain.ivr import EnqueueNode, SetCaseTypeNode, check_flow, flow_from_dict

DOC = Path(__file__).parents[2] / "docs/contact-center/ivr.md"
CASE_TYPES = {"info": 11, "doctor_home": 13, "appointment": 14}
QUEUES = DemoQueues(info=21, medical=22, vaccination=23)


def test_the_seeded_flow_is_the_documented_one() -> None:
    page = DOC.read_text(encoding="utf-8")
    block = page.split("### The demo flow", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert json.loads(block) == HOTLINE_FLOW_DOC


def test_queues_and_case_types_become_the_demo_organisations_ids() -> None:
    flow = flow_from_dict(hotline_flow(QUEUES, CASE_TYPES))
    queues = {node_id: node.queue for node_id, node in flow.nodes.items() if isinstance(node, EnqueueNode)}
    assert queues == {"queue_info": "21", "queue_doctor": "22", "queue_appointment": "22", "operator": "21"}
    types = {node_id: n.case_type for node_id, n in flow.nodes.items() if isinstance(n, SetCaseTypeNode)}
    assert types == {"info": 11, "doctor_home": 13, "appointment": 14}
    assert HOTLINE_FLOW_DOC["nodes"]["queue_info"]["queue"] == "info"  # the document itself is untouched


def test_both_demo_flows_pass_the_save_time_rules_with_the_demo_prompts() -> None:
    prompts = {name for name, _title, _text in PROMPTS}
    for body in (hotline_flow(QUEUES, CASE_TYPES), vaccination_flow(QUEUES)):
        check_flow(
            flow_from_dict(body),
            known_prompts=prompts,
            known_queues={"21", "22", "23"},
            known_case_types=set(CASE_TYPES.values()),
        )
