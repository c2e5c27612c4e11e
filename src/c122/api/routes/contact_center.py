"""The call distribution over HTTP: the operator's state and offers, live queues, senior's actions."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import contact_center as s
from c122.api.schemas import organisation as org
from c122.api.security import Context, CurrentActor
from c122.domain.acd import KpiDefinitions, ServiceLevelFormula
from c122.domain.organisation import QueueMember

operators = APIRouter(prefix="/api/v1/operators", tags=["operator state"], responses=ERROR_RESPONSES)
queues = APIRouter(prefix="/api/v1/queues", tags=["queues"], responses=ERROR_RESPONSES)
supervision = APIRouter(prefix="/api/v1", tags=["supervision"], responses=ERROR_RESPONSES)
admin = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)

CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:@\-]{1,64}$")]
routers = [operators, queues, supervision, admin]


@operators.get("/me/state", response_model=s.OperatorStateOut, operation_id="get_my_state")
async def get_my_state(actor: CurrentActor, context: Context) -> s.OperatorStateOut:
    return s.OperatorStateOut.model_validate(asdict(await context.contact_center.my_state(actor)))


@operators.put("/me/state", response_model=s.OperatorStateOut, operation_id="set_my_state")
async def set_my_state(actor: CurrentActor, context: Context, body: s.OperatorStateIn) -> s.OperatorStateOut:
    view = await context.contact_center.set_my_state(actor, body.status, body.reason or "", body.note)
    return s.OperatorStateOut.model_validate(asdict(view))


@operators.get("/me/colleagues", response_model=s.ShiftColleagueList, operation_id="list_my_colleagues")
async def list_my_colleagues(actor: CurrentActor, context: Context) -> s.ShiftColleagueList:
    """The operators of my groups on shift with their live states: whom «Передать» can reach (OPS-20)."""
    return s.ShiftColleagueList(
        items=[
            s.ShiftColleagueOut.model_validate(asdict(c)) for c in context.contact_center.colleagues(actor)
        ]
    )


@operators.post("/me/activity", status_code=204, operation_id="report_activity")
async def report_activity(actor: CurrentActor, context: Context) -> Response:
    """The desktop is in use: keeps the operator from being marked away."""
    await context.contact_center.touch(actor.user_id)
    return Response(status_code=204)


@operators.post("/me/offers/{call_id}/accept", response_model=s.OperatorStateOut, operation_id="accept_offer")
async def accept_offer(call_id: CallId, actor: CurrentActor, context: Context) -> s.OperatorStateOut:
    return s.OperatorStateOut.model_validate(asdict(await context.contact_center.accept(actor, call_id)))


@operators.post("/me/offers/{call_id}/reject", response_model=s.OperatorStateOut, operation_id="reject_offer")
async def reject_offer(call_id: CallId, actor: CurrentActor, context: Context) -> s.OperatorStateOut:
    return s.OperatorStateOut.model_validate(asdict(await context.contact_center.reject(actor, call_id)))


@operators.get("/me/chats", response_model=s.ChatDeskOut, operation_id="get_my_chats")
async def get_my_chats(actor: CurrentActor, context: Context) -> s.ChatDeskOut:
    """The chat offered to me (if any) and the chats I hold, with my group's chat limit (OPS-25)."""
    return s.ChatDeskOut.model_validate(asdict(context.contact_center.chat_desk(actor)))


@operators.post("/me/chats/{call_id}/accept", response_model=s.ChatDeskOut, operation_id="accept_chat")
async def accept_chat(call_id: CallId, actor: CurrentActor, context: Context) -> s.ChatDeskOut:
    """Takes the chat offered to me; 409 `no_such_offer` when the offer has moved on."""
    return s.ChatDeskOut.model_validate(asdict(await context.contact_center.accept_chat(actor, call_id)))


@operators.post("/me/chats/{call_id}/decline", response_model=s.ChatDeskOut, operation_id="decline_chat")
async def decline_chat(call_id: CallId, actor: CurrentActor, context: Context) -> s.ChatDeskOut:
    """Declines the chat offered to me: it is offered to the next operator."""
    return s.ChatDeskOut.model_validate(asdict(await context.contact_center.decline_chat(actor, call_id)))


@operators.post("/me/chats/{call_id}/end", response_model=s.ChatDeskOut, operation_id="end_chat")
async def end_chat(call_id: CallId, actor: CurrentActor, context: Context) -> s.ChatDeskOut:
    """Closes a chat I hold (its place counts towards the limit no more); a later message from the
    applicant is routed again."""
    return s.ChatDeskOut.model_validate(asdict(await context.contact_center.end_chat(actor, call_id)))


@operators.post("/{user_id}/block", status_code=204, operation_id="block_operator")
async def block_operator(user_id: Id, body: s.BlockIn, actor: CurrentActor, context: Context) -> Response:
    await context.contact_center.block_operator(actor, user_id, body.note)
    return Response(status_code=204)


@operators.post("/{user_id}/unblock", status_code=204, operation_id="unblock_operator")
async def unblock_operator(user_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.contact_center.unblock_operator(actor, user_id)
    return Response(status_code=204)


@queues.get("", response_model=s.QueueLiveList, operation_id="list_queues")
async def list_queues(actor: CurrentActor, context: Context) -> s.QueueLiveList:
    views = await context.contact_center.queues(actor)
    return s.QueueLiveList(items=[s.QueueLiveOut.model_validate(asdict(v)) for v in views])


@queues.get("/{queue_id}", response_model=s.QueueLiveOut, operation_id="get_queue")
async def get_queue(queue_id: Id, actor: CurrentActor, context: Context) -> s.QueueLiveOut:
    return s.QueueLiveOut.model_validate(asdict(await context.contact_center.queue(actor, queue_id)))


@queues.get("/{queue_id}/kpis", response_model=s.QueueKpisOut, operation_id="get_queue_kpis")
async def get_queue_kpis(
    queue_id: Id,
    actor: CurrentActor,
    context: Context,
    start: datetime | None = None,
    end: datetime | None = None,
    service_level_s: Annotated[float | None, Query(gt=0, le=3600)] = None,
    short_abandon_s: Annotated[float | None, Query(ge=0, le=600)] = None,
    formula: ServiceLevelFormula | None = None,
    abandon_rate_ignores_short: bool = True,
) -> s.QueueKpisOut:
    """KPIs recomputed from the queue log (docs/contact-center/acd.md, KPIs): by the queue's own
    answer threshold, short-abandon time and formula, each replaced by the one asked for if given."""
    own = context.contact_center.queue_definitions(queue_id) or KpiDefinitions()
    definitions = replace(
        own,
        service_level_s=own.service_level_s if service_level_s is None else service_level_s,
        short_abandon_s=own.short_abandon_s if short_abandon_s is None else short_abandon_s,
        formula=own.formula if formula is None else formula,
        abandon_rate_ignores_short=abandon_rate_ignores_short,
    )
    kpis = await context.contact_center.kpis(actor, queue_id, definitions, start, end)
    return s.QueueKpisOut(
        **asdict(kpis),
        service_level_s=definitions.service_level_s,
        service_level_target=definitions.service_level_target,
        below_target=kpis.service_level is not None and kpis.service_level < definitions.service_level_target,
    )


@supervision.post("/groups/{group_id}/block", status_code=204, operation_id="block_group")
async def block_group(group_id: Id, body: s.BlockIn, actor: CurrentActor, context: Context) -> Response:
    await context.contact_center.block_group(actor, group_id, body.note)
    return Response(status_code=204)


@supervision.post("/groups/{group_id}/unblock", status_code=204, operation_id="unblock_group")
async def unblock_group(group_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.contact_center.unblock_group(actor, group_id)
    return Response(status_code=204)


@supervision.post("/calls/{call_id}/move", status_code=204, operation_id="move_call")
async def move_call(call_id: CallId, body: s.MoveCallIn, actor: CurrentActor, context: Context) -> Response:
    await context.contact_center.move_call(actor, call_id, body.to)
    return Response(status_code=204)


@supervision.post("/calls/{call_id}/remove", status_code=204, operation_id="remove_call")
async def remove_call(
    call_id: CallId, body: s.RemoveCallIn, actor: CurrentActor, context: Context
) -> Response:
    await context.contact_center.remove_call(actor, call_id, body.destination, body.reason)
    return Response(status_code=204)


@admin.get(
    "/queues/{queue_id}/members", response_model=org.QueueMembersOut, operation_id="admin_get_queue_members"
)
async def get_members(queue_id: Id, actor: CurrentActor, context: Context) -> org.QueueMembersOut:
    members = await context.membership.members(actor, queue_id)
    return org.QueueMembersOut(queue_id=queue_id, members=[org.QueueMemberOut(**asdict(m)) for m in members])


@admin.put(
    "/queues/{queue_id}/members", response_model=org.QueueMembersOut, operation_id="admin_set_queue_members"
)
async def set_members(
    queue_id: Id, body: org.QueueMembersIn, actor: CurrentActor, context: Context
) -> org.QueueMembersOut:
    wanted = [QueueMember(queue_id=queue_id, **m.model_dump()) for m in body.members]
    members = await context.membership.set_members(actor, queue_id, wanted)
    return org.QueueMembersOut(queue_id=queue_id, members=[org.QueueMemberOut(**asdict(m)) for m in members])


@admin.get("/users/{user_id}/skills", response_model=org.SkillsOut, operation_id="admin_get_skills")
async def get_skills(user_id: Id, actor: CurrentActor, context: Context) -> org.SkillsOut:
    return org.SkillsOut(user_id=user_id, skills=sorted(await context.membership.skills(actor, user_id)))


@admin.put("/users/{user_id}/skills", response_model=org.SkillsOut, operation_id="admin_set_skills")
async def set_skills(user_id: Id, body: org.SkillsIn, actor: CurrentActor, context: Context) -> org.SkillsOut:
    skills = await context.membership.set_skills(actor, user_id, frozenset(body.skills))
    return org.SkillsOut(user_id=user_id, skills=sorted(skills))
