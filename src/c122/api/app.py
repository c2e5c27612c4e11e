"""The ASGI application: API routes, the event stream, metrics and the web app."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import NoMatchFound

from c122.api.context import ApiContext
from c122.api.errors import install_error_handlers
from c122.api.middleware import RequestContextMiddleware
from c122.api.routes import (
    abandoned,
    accounts,
    audit,
    board,
    bot,
    call_flow,
    calls,
    cases,
    channels,
    citizen,
    citizen_call,
    conference,
    contact_center,
    events,
    exports,
    help_requests,
    ivr,
    lookups,
    messages,
    messenger,
    organisation,
    phone_book,
    push,
    reports,
    routing,
    sms,
    statistics,
    status,
    supervision,
    trunks,
)
from c122.api.schemas.events import add_event_schemas
from c122.api.security_headers import SecurityHeaders
from c122.api.upload_limit import RouteBodyLimits

WEB_DIST = Path(__file__).resolve().parent.parent / "web_dist"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>С-122</title>
<p>Веб-приложение не собрано: выполните <code>make web</code>.</p>"""


def create_app(context: ApiContext | None, web_dist: Path | None = None) -> FastAPI:
    """`context` is None only when the OpenAPI document is produced without a running service."""
    app = FastAPI(
        title="С-122",
        version="1.0",
        summary="Regional 122 hotline platform",
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
        openapi_tags=[citizen.TAG_DOC],
    )
    app.state.context = context
    install_error_handlers(app)
    if context is not None:
        app.add_middleware(
            RouteBodyLimits,
            max_bytes=context.settings.max_body_bytes,
            uploads={
                **ivr.upload_limits(context.settings.prompt_max_bytes),
                **citizen.upload_limits(
                    context.citizen.limits.upload_max_bytes, context.citizen.limits.photo_max_bytes
                ),
            },
        )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeaders)
    for module in (accounts, status, supervision, organisation, events):
        app.include_router(module.router)
    for router in contact_center.routers:
        app.include_router(router)
    for router in cases.routers:
        app.include_router(router)
    app.include_router(calls.router)
    app.include_router(exports.router)
    app.include_router(ivr.router)
    app.include_router(call_flow.router)
    app.include_router(conference.router)
    app.include_router(statistics.router)
    app.include_router(audit.router)
    app.include_router(messages.router)
    app.include_router(help_requests.router)
    app.include_router(sms.router)
    app.include_router(channels.router)
    app.include_router(messenger.router)
    app.include_router(bot.router)
    app.include_router(board.router)
    app.include_router(phone_book.router)
    app.include_router(lookups.router)
    app.include_router(trunks.router)
    app.include_router(routing.router)
    app.include_router(reports.router)
    app.include_router(abandoned.router)
    app.include_router(citizen.router)
    app.include_router(bot.citizen_router)
    app.include_router(citizen_call.router)
    app.include_router(citizen.operator_router)
    app.include_router(push.router)
    app.include_router(push.staff_router)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    _serve_web_app(app, web_dist or WEB_DIST)
    add_event_schemas(app)
    _prepare_routes(app)
    return app


def _prepare_routes(app: FastAPI) -> None:
    """FastAPI prepares an included router's routes when the first request walks past it: about a
    second for all of ours on an idle core, paid by whichever request comes first after a start (many
    seconds on a busy machine, past a client's timeout). Asking for a name no route has walks them
    all now, before the server takes its first request."""
    with contextlib.suppress(NoMatchFound):
        app.url_path_for("-no-such-route-")


def _serve_citizen_app(app: FastAPI, dist: Path) -> None:
    """The reference citizen app (a PWA) at /app: its manifest, service worker and icons from `app/` of
    the bundle; every other path under /app gets app.html (the app's own screens). The service worker
    is never cached, so a new version reaches the phones on their next visit."""
    page = dist / "app.html"
    files = {p.name: p for p in (dist / "app").iterdir() if p.is_file()} if (dist / "app").is_dir() else {}

    @app.get("/app", include_in_schema=False)
    @app.get("/app/{path:path}", include_in_schema=False)
    async def citizen_app(path: str = "") -> Response:
        if path in files:
            headers = {"Cache-Control": "no-cache"}
            if path == "sw.js":
                headers["Service-Worker-Allowed"] = "/app/"
            media = "application/manifest+json" if path.endswith(".webmanifest") else None
            return FileResponse(files[path], headers=headers, media_type=media)
        if page.is_file():
            return FileResponse(page, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(NOT_BUILT, status_code=503)


def _serve_web_app(app: FastAPI, dist: Path) -> None:
    """Serves the built single-page app; every non-API path gets index.html (client-side routes)."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    # The bundle does not change while serving: list its top-level files once (favicon and such).
    files = {p.name: p for p in dist.iterdir() if p.is_file()} if dist.is_dir() else {}
    has_index = index.is_file()

    _serve_citizen_app(app, dist)

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str) -> Response:
        if path.startswith("api/"):
            return Response(
                '{"code":"not_found","message":"no such API route"}', 404, media_type="application/json"
            )
        if path in files:
            return FileResponse(files[path])
        if has_index:
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(NOT_BUILT, status_code=503)
