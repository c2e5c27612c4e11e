"""An HTTP/JSON registry for lookup tests, served by uvicorn on a free loopback port: people by
phone behind a bearer token, and a `/slow/...` route that answers only after 5 s."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.fuzz import free_port

TOKEN = "Bearer s3cret-token"
PEOPLE = {
    "+79001234567": {"fio": "Иванов Иван Иванович", "policy": {"number": "7700000000000001"}, "alive": True},
}


@dataclass
class Registry:
    url: str
    hits: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def http_registry() -> AsyncIterator[Registry]:
    """A registry answering JSON by phone; `/slow/...` answers after 5 s; it wants the bearer token."""
    port = free_port()
    registry = Registry(f"http://127.0.0.1:{port}")

    async def person(request: Request) -> JSONResponse:
        registry.hits.append(request.path_params["phone"])
        if request.headers.get("authorization") != TOKEN:
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        found = PEOPLE.get(request.path_params["phone"])
        return JSONResponse({"data": {"people": [found] if found else []}})

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(5)
        return JSONResponse({"data": {"people": []}})

    app = Starlette(routes=[Route("/people/{phone}", person), Route("/slow/{phone}", slow)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  # uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield registry
    finally:
        server.should_exit = True
        server.force_exit = True
        await task
