"""The chat bot steps the same flow the voice IVR plays: the demo hotline's flow as a text menu."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.domain.ivr.demo_flow import WEDNESDAY_NIGHT_MSK, WEDNESDAY_NOON_MSK, demo_document

from c122.domain.bot import BotConversation, Line, Outcome, Speaker, TextBot, text_problems
from c122.domain.ivr import IvrState, flow_from_dict

TEXTS = {
    "welcome": "Здравствуйте! Это линия 122.",
    "main_menu": "1 — справка, 2 — врач на дом, 3 — запись, 0 — оператор",
    "invalid_choice": "Нет такого пункта.",
    "no_choice": "Выберите пункт.",
    "closed": "Линия работает с 8 до 20.",
    "enter_policy": "Введите номер полиса.",
}


def _bot(document: dict | None = None) -> TextBot:  # type: ignore[type-arg]
    return TextBot(flow_from_dict(document or demo_document()), TEXTS)


def test_the_greeting_and_the_menu_come_as_texts_with_the_menus_keys_as_choices() -> None:
    turn = _bot().start(WEDNESDAY_NOON_MSK)
    assert turn.texts == (TEXTS["welcome"], TEXTS["main_menu"])
    assert turn.choices == ("1", "2", "3", "0")
    assert turn.outcome is Outcome.WAITING
    assert turn.state.node == "main_menu"


def test_a_choice_sets_the_case_type_and_hands_over_to_its_queue() -> None:
    bot = _bot()
    start = bot.start(WEDNESDAY_NOON_MSK)
    turn = bot.answer(start.state, " 2 ", WEDNESDAY_NOON_MSK)
    assert turn.outcome is Outcome.HANDED_OVER
    assert (turn.queue, turn.priority, turn.case_type) == ("doctor_home", 5, 2)


def test_a_wrong_answer_repeats_the_menu_with_the_invalid_prompt_then_falls_back() -> None:
    bot = _bot()
    state = bot.start(WEDNESDAY_NOON_MSK).state
    wrong = bot.answer(state, "хочу врача", WEDNESDAY_NOON_MSK)
    assert wrong.texts == (TEXTS["invalid_choice"], TEXTS["main_menu"])
    assert wrong.outcome is Outcome.WAITING
    again = bot.answer(wrong.state, "7", WEDNESDAY_NOON_MSK)
    last = bot.answer(again.state, "9", WEDNESDAY_NOON_MSK)  # max_retries 2 used up: the fallback
    assert last.outcome is Outcome.HANDED_OVER
    assert last.queue == "general"


def test_out_of_hours_the_closed_branch_answers_and_the_conversation_ends() -> None:
    turn = _bot().start(WEDNESDAY_NIGHT_MSK)
    assert turn.texts == (TEXTS["closed"],)
    assert turn.outcome is Outcome.ENDED


def test_a_collect_node_takes_the_digits_typed_in_one_message() -> None:
    document = demo_document()
    document["nodes"]["info"] = {
        "type": "collect",
        "prompt": "enter_policy",
        "variable": "policy",
        "min_length": 4,
        "max_length": 16,
        "next": "queue_info",
        "fallback": "operator",
    }
    bot = _bot(document)
    state = bot.start(WEDNESDAY_NOON_MSK).state
    asked = bot.answer(state, "1", WEDNESDAY_NOON_MSK)
    assert asked.texts == (TEXTS["enter_policy"],)
    short = bot.answer(asked.state, "12", WEDNESDAY_NOON_MSK)
    assert short.outcome is Outcome.WAITING
    assert short.state.node == "info"
    done = bot.answer(short.state, "полис 1234 5678", WEDNESDAY_NOON_MSK)
    assert done.outcome is Outcome.HANDED_OVER
    assert done.state.variables == {"policy": "12345678"}


def test_an_answer_after_the_end_changes_nothing() -> None:
    bot = _bot()
    ended = bot.start(WEDNESDAY_NIGHT_MSK)
    assert bot.answer(ended.state, "1", WEDNESDAY_NIGHT_MSK).texts == ()


def test_a_menu_without_text_is_named_on_its_node() -> None:
    flow = flow_from_dict(demo_document())
    problems = text_problems(flow, set(TEXTS) - {"main_menu"})
    assert [(p.path, p.code) for p in problems] == [("nodes.main_menu.prompt", "menu_without_text")]
    assert "main_menu" in problems[0].message
    assert text_problems(flow, set(TEXTS)) == []


def test_a_session_survives_its_stored_form() -> None:
    at = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    state = _bot().start(WEDNESDAY_NOON_MSK).state
    conversation = BotConversation("Линия 122", state).said(Line(Speaker.CITIZEN, "Привет", at))
    back = BotConversation(
        "Линия 122",
        IvrState.from_dict(conversation.state.to_dict()),
        BotConversation.transcript_from(conversation.transcript_dict()),
    )
    assert back == conversation
