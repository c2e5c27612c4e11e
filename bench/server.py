"""Shared by the benchmarks that run the product's HTTP server in a child process: serve the app on a
loopback port, configured as `c122 serve` configures it (WebSocket options and the garbage collector
included), and print one JSON line (the parent's signal that it may start) once it listens."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Callable
from typing import Any

import uvicorn

from c122.api.serving import server_config
from c122.cli import tune_garbage_collector


async def serve_until_stopped(app: Any, port: int, ready: Callable[[], dict[str, Any]]) -> None:
    """Serves `app` on 127.0.0.1:`port` until SIGINT/SIGTERM; prints `ready()` as JSON once started."""
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    for stop in (signal.SIGINT, signal.SIGTERM):
        # a stop signal ends the HTTP server; the caller's application closes after it
        loop.add_signal_handler(stop, lambda: setattr(server, "should_exit", True))
    tune_garbage_collector()  # as `c122 serve` does before it serves
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    print(json.dumps(ready()), flush=True)
    await task
