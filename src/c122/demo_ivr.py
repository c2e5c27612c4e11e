"""The demo organisation's voice menu: the flow of docs/contact-center/ivr.md with its Russian prompts.

The documented flow names queues and case types by role (`info`, `doctor_home`, ...); seeding puts in
the ids the demo organisation has, since an enqueue node names its queue by id.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from c122.domain.ivr import flow_from_dict
from c122.domain.users import CONSOLE
from c122.services.ivr.prompts import PromptService
from c122.services.ivr.service import IvrFlowService

HOTLINE_FLOW = "Линия 122"
VACCINATION_FLOW = "Линия вакцинации"

# name, title, text spoken by espeak-ng
PROMPTS = [
    ("welcome", "Приветствие", "Здравствуйте! Вы позвонили на единую линию сто двадцать два."),
    (
        "main_menu",
        "Главное меню",
        "Для получения справочной информации нажмите один. Для вызова врача на дом нажмите два. "
        "Для записи к врачу нажмите три. Для связи с оператором нажмите ноль.",
    ),
    ("invalid_choice", "Неверный выбор", "Такого варианта нет. Пожалуйста, повторите выбор."),
    ("no_choice", "Нет выбора", "Вы ничего не выбрали."),
    (
        "closed",
        "Нерабочее время",
        "Линия сто двадцать два работает по будням с восьми до двадцати часов, "
        "в субботу с девяти до пятнадцати часов. Пожалуйста, позвоните в рабочее время. До свидания.",
    ),
    (
        "vaccination_welcome",
        "Приветствие линии вакцинации",
        "Здравствуйте! Вы позвонили в контакт-центр вакцинации. Оставайтесь на линии, вам ответит оператор.",
    ),
]

# The flow exactly as documented in docs/contact-center/ivr.md ("The demo flow").
HOTLINE_FLOW_DOC: dict[str, Any] = json.loads(
    """
{
  "name": "Линия 122",
  "version": 1,
  "entry": "hours",
  "timezone": "Europe/Moscow",
  "nodes": {
    "hours": {
      "type": "schedule",
      "schedule": {
        "weekly": {
          "mon": [["08:00", "20:00"]], "tue": [["08:00", "20:00"]], "wed": [["08:00", "20:00"]],
          "thu": [["08:00", "20:00"]], "fri": [["08:00", "20:00"]], "sat": [["09:00", "15:00"]]
        },
        "holidays": [{"date": "2027-01-01"}, {"date": "2026-12-31", "hours": [["08:00", "16:00"]]}]
      },
      "open": "welcome",
      "closed": "closed"
    },
    "welcome": {"type": "play", "prompt": "welcome", "next": "main_menu"},
    "main_menu": {
      "type": "menu",
      "prompt": "main_menu",
      "branches": {"1": "info", "2": "doctor_home", "3": "appointment", "0": "operator"},
      "timeout_s": 5,
      "max_retries": 2,
      "invalid_prompt": "invalid_choice",
      "timeout_prompt": "no_choice",
      "fallback": "operator"
    },
    "info": {"type": "set_case_type", "case_type": 1, "next": "queue_info"},
    "queue_info": {"type": "enqueue", "queue": "info", "priority": 0},
    "doctor_home": {"type": "set_case_type", "case_type": 2, "next": "queue_doctor"},
    "queue_doctor": {"type": "enqueue", "queue": "doctor_home", "priority": 5},
    "appointment": {"type": "set_case_type", "case_type": 3, "next": "queue_appointment"},
    "queue_appointment": {"type": "enqueue", "queue": "appointment", "priority": 0},
    "operator": {"type": "enqueue", "queue": "general", "priority": 0},
    "closed": {"type": "hang_up", "prompt": "closed"}
  }
}
"""
)
# The documented case type numbers, by the demo's case type code.
DOC_CASE_TYPES = {1: "info", 2: "doctor_home", 3: "appointment"}


@dataclass(frozen=True)
class DemoQueues:
    """The demo organisation's queue ids the menu leads to."""

    info: int
    medical: int
    vaccination: int


@dataclass(frozen=True)
class DemoIvr:
    """What seeding the demo's voice menu needs."""

    flows: IvrFlowService
    prompts: PromptService


def hotline_flow(queues: DemoQueues, case_types: Mapping[str, int]) -> dict[str, Any]:
    """The documented flow with the demo's queue and case type ids: a home visit and an appointment
    both go to the medical group's queue; the operator option to the information desk."""
    flow = copy.deepcopy(HOTLINE_FLOW_DOC)
    queue_ids = {
        "info": queues.info,
        "doctor_home": queues.medical,
        "appointment": queues.medical,
        "general": queues.info,
    }
    for node in flow["nodes"].values():
        if node["type"] == "enqueue":
            node["queue"] = str(queue_ids[node["queue"]])
        elif node["type"] == "set_case_type":
            node["case_type"] = case_types[DOC_CASE_TYPES[node["case_type"]]]
    return flow


def vaccination_flow(queues: DemoQueues) -> dict[str, Any]:
    return {
        "name": VACCINATION_FLOW,
        "entry": "welcome",
        "timezone": "Europe/Moscow",
        "nodes": {
            "welcome": {"type": "play", "prompt": "vaccination_welcome", "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queues.vaccination), "priority": 0},
        },
    }


async def seed_demo_ivr(ivr: DemoIvr, queues: DemoQueues, case_types: Mapping[str, int]) -> None:
    """Creates the prompts (espeak-ng; kept without audio and logged when it is missing) and the two
    flows; a flow that differs from the demo's gets a new version, an equal one is left alone."""
    for name, title, text in PROMPTS:
        await ivr.prompts.ensure_spoken(name, title, text)
    for body in (hotline_flow(queues, case_types), vaccination_flow(queues)):
        await _ensure_flow(ivr.flows, body)


async def _ensure_flow(flows: IvrFlowService, body: dict[str, Any]) -> None:
    name = body["name"]
    current = await flows.current(name)
    if current is None:
        await flows.create(CONSOLE, body)
        return
    wanted = flow_from_dict({**body, "version": current.version})
    if wanted != current:
        await flows.save(CONSOLE, name, body)
