"""The intake every text channel calls, over a real server on both databases: a text from an unknown
address opens a request of the channel's source, the next one continues it; a bot's hand-over opens a
request with its transcript; bad input is refused and stores nothing."""

from __future__ import annotations

import pytest

from c122.domain.cases import ApplicantData
from c122.domain.citizen import Author, Channel
from c122.domain.errors import InvalidFields, UnsupportedMedia
from c122.domain.intake import Handover, IncomingMedia, IncomingText, Speaker, TranscriptLine
from tests.integration.citizen.support import jpeg_with_gps
from tests.support.server import RunningServer


async def _case(server: RunningServer, case_id: int) -> dict[str, object]:
    operator = await server.signed_in("operator1")
    answer = await operator.http.get(f"/api/v1/cases/{case_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_text_from_a_new_address_opens_a_request_and_the_next_continues_it(
    server: RunningServer,
) -> None:
    intake = server.application.context.intake
    first = await intake.deliver(IncomingText(Channel.SMS, "8 (916) 555-12-34", "Не вывезли мусор"))
    assert first.new_case
    card = await _case(server, first.case_id)
    assert card["case"]["source"] == "sms"  # type: ignore[index]
    again = await intake.deliver(IncomingText(Channel.SMS, "+79165551234", "Уже третий день"))
    assert (again.case_id, again.new_case) == (first.case_id, False)
    chat = await intake.deliver(
        IncomingText(
            Channel.MESSENGER,
            "tg:4711",
            "Вот фото",
            media=(IncomingMedia(jpeg_with_gps()),),
            display_name="Пётр",
        )
    )
    assert chat.new_case
    assert chat.case_id != first.case_id
    assert [(m.channel, m.author, bool(m.media_id)) for m in chat.messages] == [
        (Channel.MESSENGER, Author.CITIZEN, False),
        (Channel.MESSENGER, Author.CITIZEN, True),
    ]
    operator = await server.signed_in("operator1")
    messages = (await operator.http.get(f"/api/v1/cases/{first.case_id}/chat")).json()["messages"]
    assert [(m["channel"], m["text"]) for m in messages] == [
        ("sms", "Не вывезли мусор"),
        ("sms", "Уже третий день"),
    ]


async def test_a_bot_hands_over_a_conversation_with_its_transcript(server: RunningServer) -> None:
    intake = server.application.context.intake
    delivered = await intake.hand_over(
        Handover(
            channel=Channel.MESSENGER,
            address="tg:99",
            applicant=ApplicantData(last_name="Сидоров", first_name="Иван", phones=("+79031112233",)),
            transcript=(
                TranscriptLine(Speaker.BOT, "Выберите тему: 1 — ЖКХ, 2 — дороги"),
                TranscriptLine(Speaker.CITIZEN, "1"),
                TranscriptLine(Speaker.CITIZEN, "  "),
            ),
            description="ЖКХ: нет отопления",
        )
    )
    assert delivered.new_case
    assert [(m.author, m.text) for m in delivered.messages] == [
        (Author.BOT, "Выберите тему: 1 — ЖКХ, 2 — дороги"),
        (Author.CITIZEN, "1"),
    ]
    card = await _case(server, delivered.case_id)
    assert card["case"]["source"] == "messenger"  # type: ignore[index]
    assert card["description"] == "ЖКХ: нет отопления"
    later = await intake.deliver(IncomingText(Channel.MESSENGER, "tg:99", "Ещё не включили"))
    assert later.case_id == delivered.case_id


async def test_bad_input_is_refused_and_nothing_is_stored(server: RunningServer) -> None:
    intake = server.application.context.intake
    with pytest.raises(InvalidFields) as bad_phone:
        await intake.deliver(IncomingText(Channel.SMS, "12", "текст"))
    assert bad_phone.value.problems[0].path == "address"
    with pytest.raises(InvalidFields):
        await intake.deliver(IncomingText(Channel.MESSENGER, "   ", "текст"))
    with pytest.raises(InvalidFields):
        await intake.deliver(IncomingText(Channel.MESSENGER, "tg:1", "   "))
    with pytest.raises(UnsupportedMedia):
        await intake.deliver(
            IncomingText(Channel.MESSENGER, "tg:1", "pdf", media=(IncomingMedia(b"%PDF-1.4 ..."),))
        )
    with pytest.raises(InvalidFields) as bad_type:
        await intake.hand_over(Handover(channel=Channel.MESSENGER, address="tg:1", case_type_id=999999))
    assert bad_type.value.problems[0].path == "case_type_id"
    # Nothing of the refused ones opened a case: the first text from tg:1 is a new request.
    assert (await intake.deliver(IncomingText(Channel.MESSENGER, "tg:1", "теперь текст"))).new_case
