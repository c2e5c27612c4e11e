"""Lookup plug-ins (ADM-04, OPS-26): administrators configure and test outside registries; the card
lists the ones the reader may query and runs a query. Credentials are write-only."""

from __future__ import annotations

from fastapi import APIRouter, Response

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import lookups as s
from c122.api.security import Context, CurrentActor
from c122.domain.lookups import KeyKind, Lookup, LookupDraft, LookupKind, LookupSecret, shown_url
from c122.domain.users import Role
from c122.services.lookups.service import LookupResult, Lookups

router = APIRouter(prefix="/api/v1/lookups", tags=["lookups"], responses=ERROR_RESPONSES)


def _draft(body: s.LookupIn) -> LookupDraft:
    secret = None
    if body.url is not None or body.headers is not None:
        # One of the two sent: the other is the kind's irrelevant half, so it starts empty.
        secret = LookupSecret(url=body.url or "", headers=dict(body.headers or {}))
    return LookupDraft(
        name=body.name,
        kind=LookupKind(body.kind),
        key_kinds=frozenset(KeyKind(k) for k in body.key_kinds),
        roles=frozenset(Role(r) for r in body.roles),
        timeout_ms=body.timeout_ms,
        cache_s=body.cache_s,
        enabled=body.enabled,
        url_template=body.url_template,
        query=body.query,
        plugin=body.plugin,
        options=dict(body.options),
        mapping=dict(body.mapping),
        rows_path=body.rows_path,
        secret=secret,
    )


def _out(lookup: Lookup, lookups: Lookups) -> s.LookupOut:
    d = lookup.draft
    secret = d.secret or LookupSecret()
    return s.LookupOut(
        id=lookup.id,
        name=d.name,
        kind=d.kind.value,
        key_kinds=sorted(k.value for k in d.key_kinds),
        roles=sorted(r.value for r in d.roles),
        timeout_ms=d.timeout_ms,
        cache_s=d.cache_s,
        enabled=d.enabled,
        url_template=d.url_template,
        query=d.query,
        plugin=d.plugin,
        options=d.options,
        mapping=d.mapping,
        rows_path=d.rows_path,
        url_set=bool(secret.url),
        url_shown=shown_url(secret.url),
        header_names=sorted(secret.headers),
        circuit="open" if lookups.breaker_state(lookup.id) == "open" else "closed",
    )


def _result(result: LookupResult) -> s.LookupResultOut:
    return s.LookupResultOut(
        outcome=result.outcome,
        message=result.message,
        rows=[[s.LookupFieldOut(label=lb, value=v) for lb, v in row.fields] for row in result.rows],
        cached=result.cached,
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
    )


@router.get("", response_model=list[s.LookupOut], operation_id="list_lookups")
async def list_lookups(actor: CurrentActor, context: Context) -> list[s.LookupOut]:
    """Every lookup with its settings, never its credentials (administrators)."""
    return [_out(lk, context.lookups) for lk in await context.lookups.all(actor)]


@router.get("/plugins", response_model=s.PluginsOut, operation_id="list_lookup_plugins")
async def list_lookup_plugins(actor: CurrentActor, context: Context) -> s.PluginsOut:
    """The Python plug-ins installed (entry points of the group `c122.lookups`)."""
    return s.PluginsOut(plugins=context.lookups.plugins(actor))


@router.get("/available", response_model=list[s.AvailableLookupOut], operation_id="available_lookups")
async def available_lookups(actor: CurrentActor, context: Context) -> list[s.AvailableLookupOut]:
    """The enabled lookups the reader's role may query, for the card's panel."""
    return [
        s.AvailableLookupOut(
            id=lk.id, name=lk.draft.name, key_kinds=sorted(k.value for k in lk.draft.key_kinds)
        )
        for lk in await context.lookups.available(actor)
    ]


@router.post("", status_code=201, response_model=s.LookupOut, operation_id="create_lookup")
async def create_lookup(body: s.LookupIn, actor: CurrentActor, context: Context) -> s.LookupOut:
    """422 names every bad field (a URL template without `{value}`, a query that is not one SELECT with
    `:value`, a timeout out of range); 409 for a name already used."""
    return _out(await context.lookups.create(actor, _draft(body)), context.lookups)


@router.put("/{lookup_id}", response_model=s.LookupOut, operation_id="update_lookup")
async def update_lookup(
    lookup_id: Id, body: s.LookupIn, actor: CurrentActor, context: Context
) -> s.LookupOut:
    """`url` and `headers` left null keep the stored credentials."""
    return _out(await context.lookups.update(actor, lookup_id, _draft(body)), context.lookups)


@router.delete("/{lookup_id}", status_code=204, operation_id="delete_lookup")
async def delete_lookup(lookup_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.lookups.delete(actor, lookup_id)
    return Response(status_code=204)


@router.post("/{lookup_id}/test", response_model=s.LookupResultOut, operation_id="test_lookup")
async def test_lookup(
    lookup_id: Id, body: s.LookupQueryIn, actor: CurrentActor, context: Context
) -> s.LookupResultOut:
    """An administrator's trial of the stored settings, past the cache."""
    return _result(await context.lookups.test(actor, lookup_id, KeyKind(body.key), body.value))


@router.post("/{lookup_id}/query", response_model=s.LookupResultOut, operation_id="query_lookup")
async def query_lookup(
    lookup_id: Id, body: s.LookupQueryIn, actor: CurrentActor, context: Context
) -> s.LookupResultOut:
    """A query from the card. The answer is 200 with its `outcome` even when the registry is slow or
    down (`timeout`, `unavailable`, `circuit_open`): the card shows why. 403 for a role the lookup
    does not allow (audited)."""
    result = await context.lookups.query(actor, lookup_id, KeyKind(body.key), body.value, body.case_id)
    return _result(result)
