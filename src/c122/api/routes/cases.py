"""Case cards, applicants and questionnaire scripts over HTTP (OPS-09..OPS-17, ADM-05)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from c122.api.bounded import Count, Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import cases as cs
from c122.api.security import Context, CurrentActor
from c122.domain.calls.record import ID_MAX
from c122.domain.cases import AnswerKind, Branch, CaseStatus, Question, Script, StatusFilter
from c122.domain.cases.versions import FieldClash
from c122.services.cases.applicants import ApplicantConflict
from c122.services.cases.service import EditConflict, ListRequest

cases = APIRouter(prefix="/api/v1/cases", tags=["cases"], responses=ERROR_RESPONSES)
applicants = APIRouter(prefix="/api/v1/applicants", tags=["cases"], responses=ERROR_RESPONSES)
scripts = APIRouter(prefix="/api/v1/case-types", tags=["cases"], responses=ERROR_RESPONSES)
routers = [cases, applicants, scripts]

CASE_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": cs.CaseConflictOut}}
APPLICANT_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": cs.ApplicantConflictOut}}


@cases.post("", status_code=201, response_model=cs.CaseCardOut, operation_id="create_case")
async def create_case(body: cs.CaseCreateIn, actor: CurrentActor, context: Context) -> Any:
    """A case by hand (source web); other operators of the group get `case.created`."""
    card = await context.cases.cards.create(actor, body.model_dump(exclude_unset=True, mode="json"))
    return cs.card_out(card)


@cases.get("", response_model=cs.CasePageOut, operation_id="list_cases")
async def list_cases(
    actor: CurrentActor,
    context: Context,
    q: Annotated[str, Query(max_length=200, description="phone, name, date, type or case name")] = "",
    status: Annotated[Literal["any", "active", "inactive"], Query()] = "any",
    period: Annotated[Literal["all", "last_24h"], Query()] = "all",
    since: Annotated[datetime | None, Query(description="created at or after (with a zone)")] = None,
    type: Annotated[Id | None, Query(description="case type id")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Count, Query()] = 0,
) -> Any:
    request = ListRequest(
        q=q,
        status=StatusFilter(status),
        since=since,
        last_24h=period == "last_24h",
        type_id=type,
        limit=limit,
        offset=offset,
    )
    page = await context.cases.cards.list(actor, request)
    return {
        "items": [cs.summary_out(row) for row in page.items],
        "total": page.total,
        "total_capped": page.capped,
    }


CallId = Annotated[str, Path(max_length=ID_MAX)]


@cases.get("/by-call/{call_id}", response_model=cs.CaseCardOut, operation_id="get_case_of_call")
async def get_case_of_call(call_id: CallId, actor: CurrentActor, context: Context) -> Any:
    """The card a call belongs to (TEL-14, OPS-18): the desk opens it while the call rings, and
    after a transfer. 404 for a call without a card or a card the user does not see (audited)."""
    return cs.card_out(await context.cases.calls.card_of_call(actor, call_id))


@cases.get("/{case_id}", response_model=cs.CaseCardOut, operation_id="get_case")
async def get_case(case_id: Id, actor: CurrentActor, context: Context) -> Any:
    return cs.card_out(await context.cases.cards.get(actor, case_id))


@cases.patch("/{case_id}", response_model=cs.CaseCardOut, responses=CASE_CONFLICT, operation_id="update_case")
async def update_case(case_id: Id, body: cs.EditIn, actor: CurrentActor, context: Context) -> Any:
    """Edits case information and the type; 409 lists the clashing fields and the current card."""
    try:
        card = await context.cases.cards.update(
            actor, case_id, version=body.version, changes=body.changes, base=body.base
        )
    except EditConflict as conflict:
        current = cs.card_out(conflict.current) if conflict.current else None
        return _conflict(conflict.message, conflict.clashes, current)
    return cs.card_out(card)


@cases.put("/{case_id}/status", response_model=cs.CaseCardOut, operation_id="set_case_status")
async def set_case_status(case_id: Id, body: cs.CaseStatusIn, actor: CurrentActor, context: Context) -> Any:
    """A status change and/or the «Внимание!» flag."""
    status = CaseStatus(body.status) if body.status else None
    card = await context.cases.cards.set_status(actor, case_id, status=status, attention=body.attention)
    return cs.card_out(card)


@cases.post("/{case_id}/answers", response_model=cs.CaseCardOut, operation_id="answer_case_script")
async def answer_case_script(case_id: Id, body: cs.AnswersIn, actor: CurrentActor, context: Context) -> Any:
    """Answers to a questionnaire script; bound answers fill the card, all or nothing."""
    card = await context.cases.questionnaires.answer(
        actor, case_id, body.script_id, body.answers, script_version=body.script_version
    )
    return cs.card_out(card)


@applicants.get("/{applicant_id}", response_model=cs.ApplicantViewOut, operation_id="get_applicant")
async def get_applicant(applicant_id: Id, actor: CurrentActor, context: Context) -> Any:
    """The applicant with their case history and contacts in the last 24 hours."""
    return cs.applicant_view_out(await context.cases.applicants.get(actor, applicant_id))


@applicants.patch(
    "/{applicant_id}",
    response_model=cs.ApplicantViewOut,
    responses=APPLICANT_CONFLICT,
    operation_id="update_applicant",
)
async def update_applicant(applicant_id: Id, body: cs.EditIn, actor: CurrentActor, context: Context) -> Any:
    try:
        view = await context.cases.applicants.update(
            actor, applicant_id, version=body.version, changes=body.changes, base=body.base
        )
    except ApplicantConflict as conflict:
        return _conflict(conflict.message, conflict.clashes, cs.applicant_view_out(conflict.current))
    return cs.applicant_view_out(view)


@scripts.get("/{case_type_id}/scripts", response_model=list[cs.ScriptOut], operation_id="list_case_scripts")
async def list_case_scripts(case_type_id: Id, actor: CurrentActor, context: Context) -> Any:
    return [_script_out(script) for script in await context.cases.questionnaires.scripts(case_type_id)]


@scripts.put("/{case_type_id}/scripts", response_model=cs.ScriptOut, operation_id="save_case_script")
async def save_case_script(case_type_id: Id, body: cs.ScriptIn, actor: CurrentActor, context: Context) -> Any:
    """Administrators: a new script (no `script_id`) or the next version of one."""
    questions = [
        Question(
            id=q.id,
            text=q.text,
            kind=AnswerKind(q.kind),
            choices=tuple(q.choices),
            binding=q.binding,
            branches=tuple(Branch(b.when, b.goto) for b in q.branches),
        )
        for q in body.questions
    ]
    saved = await context.cases.questionnaires.save_script(
        actor,
        case_type_id,
        script_id=body.script_id,
        version=body.version,
        title=body.title,
        questions=questions,
    )
    return _script_out(saved)


def _script_out(script: Script) -> dict[str, Any]:
    return {
        "id": script.id,
        "case_type_id": script.case_type_id,
        "title": script.title,
        "version": script.version,
        "questions": [
            {
                "id": q.id,
                "text": q.text,
                "kind": q.kind.value,
                "choices": list(q.choices),
                "binding": q.binding,
                "branches": [{"when": b.when, "goto": b.goto} for b in q.branches],
            }
            for q in script.questions
        ],
    }


def _conflict(message: str, clashes: tuple[FieldClash, ...], current: dict[str, Any] | None) -> JSONResponse:
    body = {
        "code": "edit_conflict",
        "message": message,
        "clashes": [{"path": c.path, "base": c.base, "theirs": c.theirs, "mine": c.mine} for c in clashes],
        "current": current,
    }
    return JSONResponse(jsonable_encoder(body), status_code=409)
