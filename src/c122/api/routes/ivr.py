"""Administration of IVR flows and voice prompts (TEL-02, issue #8): administrators only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from c122.api.errors import ERROR_RESPONSES, ErrorBody, FieldError, error_response
from c122.api.schemas import ivr as s
from c122.api.security import Context, CurrentActor
from c122.domain.errors import InvalidFields
from c122.domain.ivr import FlowDiff, Simulation, flow_to_dict
from c122.services.ivr.ports import Prompt, SpeechUnavailable
from c122.services.ivr.prompts import NotAudio, PromptInUse, PromptListing, PromptTooLarge
from c122.services.ivr.service import FlowView

T = TypeVar("T")

PROMPT_UPLOAD_PATH = "/api/v1/admin/prompts"
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and the form's text fields

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["ivr"],
    responses={**ERROR_RESPONSES, 503: {"model": ErrorBody}},
)

FlowName = Annotated[str, Path(max_length=200, description="the flow's name, URL-encoded")]
PromptName = Annotated[str, Path(max_length=64)]


@router.get("/ivr-flows", response_model=s.FlowList, operation_id="admin_list_ivr_flows")
async def list_flows(actor: CurrentActor, context: Context) -> Any:
    """Every flow with its latest version."""
    return {"items": await context.ivr_flows.list(actor)}


@router.post("/ivr-flows", response_model=s.FlowOut, status_code=201, operation_id="admin_create_ivr_flow")
async def create_flow(actor: CurrentActor, context: Context, body: s.FlowIn) -> Any:
    """Stores version 1 of a new flow; 422 names every problem by its path (`nodes.main_menu.prompt`)
    and, for a problem inside a node, the node's id in `node`."""
    data = body.model_dump(exclude_unset=True)
    return await _checked(context.ivr_flows.create(actor, data), data.get("nodes"), _flow_out)


@router.get("/ivr-flows/{name}", response_model=s.FlowOut, operation_id="admin_get_ivr_flow")
async def get_flow(
    actor: CurrentActor,
    context: Context,
    name: FlowName,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Any:
    """The latest version, or `?version=N`, with the list of all versions."""
    return _flow_out(await context.ivr_flows.get(actor, name, version))


@router.put("/ivr-flows/{name}", response_model=s.FlowOut, operation_id="admin_save_ivr_flow")
async def save_flow(actor: CurrentActor, context: Context, name: FlowName, body: s.FlowIn) -> Any:
    """Saves the next version; calls already in the flow finish on the version they entered. 422 as on
    create, each problem with its node."""
    data = body.model_dump(exclude_unset=True)
    return await _checked(context.ivr_flows.save(actor, name, data), data.get("nodes"), _flow_out)


@router.post("/ivr-flows/{name}/rollback", response_model=s.FlowOut, operation_id="admin_rollback_ivr_flow")
async def rollback_flow(actor: CurrentActor, context: Context, name: FlowName, body: s.RollbackIn) -> Any:
    """Saves the given old version again as the next version (the history keeps every version). 422 with
    the nodes named when the old version no longer passes the checks (a prompt or queue since removed)."""
    return await _checked(context.ivr_flows.rollback(actor, name, body.version), None, _flow_out)


@router.get("/ivr-flows/{name}/diff", response_model=s.FlowDiffOut, operation_id="admin_diff_ivr_flow")
async def diff_flow(
    actor: CurrentActor,
    context: Context,
    name: FlowName,
    before: Annotated[int, Query(ge=1, le=2**31 - 1)],
    after: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Any:
    """Nodes added, removed and changed (field by field) and edges added and removed from version
    `before` to version `after`."""
    return _diff_out(before, after, await context.ivr_flows.diff(actor, name, before, after))


@router.post(
    "/ivr-flows/{name}/simulate", response_model=s.SimulationOut, operation_id="admin_simulate_ivr_flow"
)
async def simulate_flow(actor: CurrentActor, context: Context, name: FlowName, body: s.SimulateIn) -> Any:
    """«Try it»: walks the flow with the same interpreter calls use, pressing `keys` whenever the flow
    listens, at the moment `at`; the path, each step and where the caller ends up. Nothing is stored.
    With `flow` an unsaved draft is walked after the save-time checks (422 with nodes as on save)."""
    draft = body.flow.model_dump(exclude_unset=True) if body.flow is not None else None
    run = context.ivr_flows.simulate(actor, name, body.keys, body.at, version=body.version, draft=draft)
    return await _checked(run, (draft or {}).get("nodes"), _simulation_out)


@router.delete("/ivr-flows/{name}", status_code=204, operation_id="admin_delete_ivr_flow")
async def delete_flow(actor: CurrentActor, context: Context, name: FlowName) -> Response:
    """Deletes the flow with all its versions; 409 while a line enters it."""
    await context.ivr_flows.delete(actor, name)
    return Response(status_code=204)


@router.get("/prompts", response_model=s.PromptList, operation_id="admin_list_prompts")
async def list_prompts(actor: CurrentActor, context: Context) -> Any:
    """Every prompt with its file's size, who added it (user id, null for the system) and the flow
    nodes that play it."""
    return {"items": [_listed_out(p) for p in await context.prompts.list(actor)]}


@router.post(
    "/prompts",
    response_model=s.PromptOut,
    status_code=201,
    operation_id="admin_upload_prompt",
    responses={413: {"model": ErrorBody}, 415: {"model": ErrorBody}},
)
async def upload_prompt(
    actor: CurrentActor,
    context: Context,
    name: Annotated[str, Form(max_length=64)],
    title: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile, File(description="WAV, MP3 or OGG")],
) -> Any:
    """A WAV, MP3 or OGG file becomes a prompt, converted to 8 kHz mono 16-bit WAV. Refused with the
    reason: 413 over the size limit, 415 for a file that is not audio or not one of these formats,
    422 for one that is truncated, empty or too long."""
    limit = context.prompts.limits.max_bytes
    data = await file.read(limit + 1)
    try:
        prompt = await context.prompts.upload(actor, name, title, data)
    except PromptTooLarge as exc:
        return error_response(413, ErrorBody(code=exc.code, message=exc.message))
    except NotAudio as exc:
        reason = FieldError(path="file", code=exc.code, message=exc.message)
        return error_response(415, ErrorBody(code=exc.code, message=exc.message, fields=[reason]))
    return _prompt_out(prompt)


@router.post(
    "/prompts/tts",
    response_model=s.PromptOut,
    status_code=201,
    operation_id="admin_synthesise_prompt",
)
async def synthesise_prompt(actor: CurrentActor, context: Context, body: s.SpeechPromptIn) -> Any:
    """Russian speech from the text (espeak-ng); 503 `tts_unavailable` with the reason when the
    synthesiser is not installed."""
    try:
        prompt = await context.prompts.synthesise(actor, body.name, body.title, body.text)
    except SpeechUnavailable as exc:
        return error_response(503, ErrorBody(code=exc.code, message=exc.message))
    return _prompt_out(prompt)


@router.get("/prompts/{name}", response_model=s.PromptOut, operation_id="admin_get_prompt")
async def get_prompt(actor: CurrentActor, context: Context, name: PromptName) -> Any:
    return _prompt_out(await context.prompts.get(actor, name))


@router.get(
    "/prompts/{name}/audio",
    operation_id="admin_prompt_audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}},
)
async def prompt_audio(actor: CurrentActor, context: Context, name: PromptName) -> FileResponse:
    """The prompt as played to callers: 8 kHz mono 16-bit WAV."""
    path = await context.prompts.audio_path(actor, name)
    return FileResponse(path, media_type="audio/wav", filename=f"{name}.wav")


@router.delete("/prompts/{name}", status_code=204, operation_id="admin_delete_prompt")
async def delete_prompt(actor: CurrentActor, context: Context, name: PromptName) -> Response:
    """409 `in_use` while the latest version of a flow plays it; `fields` names every place as
    `flow/node/field`."""
    try:
        await context.prompts.delete(actor, name)
    except PromptInUse as exc:
        places = [
            FieldError(
                path=f"{use.flow}/{use.node}/{use.field}",
                code="in_use",
                message=f"«{use.flow}», узел {use.node}",
            )
            for use in exc.uses
        ]
        return error_response(409, ErrorBody(code=exc.code, message=exc.message, fields=places))
    return Response(status_code=204)


async def _checked(
    run: Awaitable[T], nodes: Collection[str] | None, out: Callable[[T], dict[str, Any]]
) -> dict[str, Any] | JSONResponse:
    """The answer, or the 422 of the save-time checks with each problem's node."""
    try:
        return out(await run)
    except InvalidFields as exc:
        fields = [
            FieldError(path=p.path, code=p.code, message=p.message, node=_node_of(p.path, nodes))
            for p in exc.problems
        ]
        return error_response(422, ErrorBody(code=exc.code, message=exc.message, fields=fields))


def _node_of(path: str, nodes: Collection[str] | None) -> str | None:
    """The node a problem path `nodes.<id>[.field…]` is in. Node ids are matched against the body's, so an
    id holding a dot (refused, but named) is still found; without the body, the id ends at the dot."""
    if not path.startswith("nodes."):
        return None
    rest = path.removeprefix("nodes.")
    matches = [n for n in (nodes or ()) if rest == n or rest.startswith(f"{n}.")]
    return max(matches, key=len) if matches else rest.split(".", 1)[0]


def _diff_out(before: int, after: int, diff: FlowDiff) -> dict[str, Any]:
    return {"before": before, "after": after, **asdict(diff)}


def _simulation_out(run: Simulation) -> dict[str, Any]:
    return {**asdict(run), "path": list(run.path)}


def _flow_out(view: FlowView) -> dict[str, Any]:
    stored = view.stored
    return {
        **flow_to_dict(stored.flow),
        "latest_version": stored.latest,
        "saved_at": stored.saved_at,
        "saved_by": stored.saved_by,
        "created_at": stored.created_at,
        "versions": [asdict(v) for v in view.versions],
    }


def _prompt_out(prompt: Prompt) -> dict[str, Any]:
    return {
        "name": prompt.name,
        "title": prompt.title,
        "source": prompt.source,
        "text": prompt.text,
        "duration_ms": prompt.duration_ms,
        "has_audio": prompt.has_audio,
        "created_at": prompt.created_at,
        "updated_at": prompt.updated_at,
    }


def _listed_out(listing: PromptListing) -> dict[str, Any]:
    return {
        **_prompt_out(listing.prompt),
        "size_bytes": listing.size_bytes,
        "created_by": listing.created_by,
        "used_by": [asdict(use) for use in listing.used_by],
    }


def upload_limits(max_bytes: int) -> dict[str, int]:
    """Body limits of this router's upload routes, for RouteBodyLimits."""
    return {PROMPT_UPLOAD_PATH: max_bytes + UPLOAD_OVERHEAD_BYTES}
