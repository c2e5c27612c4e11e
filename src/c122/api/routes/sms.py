"""SMS to and from applicants (docs/channels/sms.md): an operator's text from the card, the card's
messages, the gateway's state for administrators, and the gateway's own calls — delivery reports and
incoming SMS — which carry the configured secret instead of a session."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import sms as s
from c122.api.security import Context, CurrentActor
from c122.domain.errors import FieldProblem, InvalidFields

router = APIRouter(prefix="/api/v1", tags=["sms"], responses=ERROR_RESPONSES)


@router.post("/sms", response_model=s.SmsOut, status_code=201, operation_id="send_sms")
async def send_sms(body: s.SmsIn, actor: CurrentActor, context: Context) -> s.SmsOut:
    """Queues an SMS to the number, on the card when `case_id` is given (the card must be the user's
    to see: 404 otherwise, audited). 422 names a wrong number or a text over ten parts; 409
    `sms_not_configured` without a gateway. The answer is `queued`; `sms.changed` follows it."""
    if body.case_id is not None:
        await context.cases.cards.get(actor, body.case_id)
    return s.sms_out(await context.sms.send(actor, body.phone, body.text, body.case_id))


@router.get("/cases/{case_id}/sms", response_model=list[s.SmsOut], operation_id="list_case_sms")
async def case_sms(case_id: Id, actor: CurrentActor, context: Context) -> list[s.SmsOut]:
    """The card's SMS both ways, oldest first (a read of the card: checked and audited)."""
    await context.cases.cards.get(actor, case_id)
    return [s.sms_out(sms) for sms in await context.sms.of_case(case_id)]


@router.get("/sms/gateway", response_model=s.SmsGatewayOut, operation_id="get_sms_gateway")
async def sms_gateway(actor: CurrentActor, context: Context) -> s.SmsGatewayOut:
    """For administrators: whether SMS are configured, and the outbound messages per state."""
    context.sms.require_admin(actor)
    return s.SmsGatewayOut(configured=context.sms.configured, outbound=await context.sms.counts())


def _raw_query(request: Request) -> dict[str, bytes]:
    """The query's values as bytes: an incoming SMS's text is UCS-2, not UTF-8."""
    decoded = parse_qs(request.scope["query_string"].decode("latin-1"), encoding="latin-1")
    return {name: values[-1].encode("latin-1") for name, values in decoded.items()}


def _number(query: dict[str, bytes], name: str) -> int:
    value = query.get(name, b"")
    if not value.isdigit() or len(value) > 9:
        raise InvalidFields([FieldProblem(name, "invalid", f"{name}: a number is expected")])
    return int(value)


@router.get("/sms/gateway/report", status_code=204, operation_id="sms_delivery_report")
async def delivery_report(request: Request, context: Context) -> Response:
    """The gateway's delivery report (Kannel's `dlr-url`): `secret`, `id` (ours), `type` (Kannel's
    `%d`). 403 with a wrong secret (logged), 404 for an id that is not ours."""
    query = _raw_query(request)
    context.sms.check_secret(query.get("secret", b"").decode("latin-1"), request.client)
    await context.sms.report(_number(query, "id"), _number(query, "type"))
    return Response(status_code=204)


@router.get("/sms/gateway/incoming", status_code=204, operation_id="sms_incoming")
async def incoming(request: Request, context: Context) -> Response:
    """An SMS from an applicant (Kannel's `get-url`): `secret`, `from` (%p), `coding` (%c), `charset`
    (%C) and `text` (%b, the message's bytes). It continues the conversation of the sender's open case
    or opens a new request in the SMS queue. 400 with the reason for text that is not valid in its
    coding, 422 for a sender that is not a phone number; nothing is stored then. A number with no case in
    work is answered by the SMS channel's bot when one is set up (docs/channels/bot.md)."""
    query = _raw_query(request)
    context.sms.check_secret(query.get("secret", b"").decode("latin-1"), request.client)
    coding = _number(query, "coding") if query.get("coding") else 0
    await context.sms_conversations.receive(
        query.get("from", b"").decode("latin-1"),
        query.get("text", b""),
        coding,
        query.get("charset", b"").decode("latin-1"),
    )
    return Response(status_code=204)
