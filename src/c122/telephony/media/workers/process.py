"""A media worker process: one `MediaEngine` on its own uvloop, driven over an inherited socket.

    python -m c122.telephony.media.workers.process --fd N --host H --ports MIN-MAX --any-ports MIN-MAX
        [--cpu C]

It allocates new legs from its own port range (`--ports`) and takes an exact port anywhere in the
whole range (`--any-ports`: a leg moved here from another worker, or kept across a restart keeps
its address). With `--cpu` it runs on that CPU only (`media_worker_cpus`). Every few seconds it
sends its figures (`MediaFigures`, for /metrics) unasked. It exits when the channel closes: its
parent is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import socket
from typing import Any

import uvloop

from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.messages import CloseEndpoint, MediaError, MediaEvent
from c122.telephony.media.workers import protocol

log = logging.getLogger(__name__)
_CLOSE_PASSES = 3
FIGURES_INTERVAL = 5.0  # seconds between the figures a worker sends (a scrape sees them this old)


class WorkerServer:
    """Executes the requests of one channel, in order of arrival, and sends the engine's events."""

    def __init__(self, engine: MediaEngine, writer: asyncio.StreamWriter) -> None:
        self._engine = engine
        self._writer = writer
        engine.subscribe(self._on_event)

    def _on_event(self, event: MediaEvent) -> None:
        self._send({"event": type(event).__name__, "fields": protocol.fields_of(event)})

    def _send(self, message: dict[str, Any]) -> None:
        if not self._writer.is_closing():
            self._writer.write(protocol.encode(message))

    async def serve(self, reader: asyncio.StreamReader) -> None:
        figures = asyncio.create_task(self._send_figures())
        try:
            with contextlib.suppress(ConnectionError):  # the parent went away: the worker ends
                while (request := await protocol.read_frame(reader)) is not None:
                    # Commands run one after another, as call control sends them to an in-process engine.
                    self._send(await self._answer(request))
                    await self._writer.drain()
        finally:
            figures.cancel()

    async def _send_figures(self) -> None:
        while True:
            self._send({"figures": self._engine.figures().as_dict()})
            await asyncio.sleep(FIGURES_INTERVAL)

    async def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        request_id = request.get("id")
        try:
            if request.get("type") == "Health":
                return {"id": request_id, "type": "Health", "fields": self._engine.health().as_dict()}
            command = protocol.build(protocol.COMMANDS, request.get("type"), request.get("fields"))
            reply = await self._engine.execute(command)
            if isinstance(command, CloseEndpoint):
                # The RTCP transport lets its socket go on a later loop pass: the port must be free
                # once the reply says the leg is closed (a leg moving to another worker binds it).
                for _ in range(_CLOSE_PASSES):
                    await asyncio.sleep(0)
        except MediaError as exc:
            return {"id": request_id, "error": type(exc).__name__, "message": str(exc)}
        except protocol.ProtocolError as exc:
            return {"id": request_id, "error": "MediaError", "message": f"bad request: {exc}"}
        return {"id": request_id, "type": type(reply).__name__, "fields": protocol.fields_of(reply)}


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high)


async def run(
    fd: int, host: str, public_address: str, ports: tuple[int, int], any_ports: tuple[int, int]
) -> None:
    engine = MediaEngine(
        bind_host=host,
        public_address=public_address,
        port_min=ports[0],
        port_max=ports[1],
        any_ports=any_ports,
    )
    await engine.start()
    # What the start created (modules, tables) lives as long as the process: keep it out of the
    # collector's full passes, which otherwise walk it all while the relay waits.
    gc.freeze()
    reader, writer = await asyncio.open_connection(sock=socket.socket(fileno=fd))
    try:
        await WorkerServer(engine, writer).serve(reader)
    finally:
        writer.close()
        await engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="c122 media worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--public-address", default="")
    parser.add_argument("--ports", type=_range, required=True)
    parser.add_argument("--any-ports", type=_range, required=True)
    parser.add_argument("--cpu", type=int, help="the only CPU this worker runs on")
    args = parser.parse_args()
    if args.cpu is not None:
        # Its own core: the relay's packets are not delayed behind another worker's, and stay in
        # that core's caches.
        os.sched_setaffinity(0, {args.cpu})
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s media-worker %(levelname)s %(name)s: %(message)s"
    )
    uvloop.run(run(args.fd, args.host, args.public_address, args.ports, args.any_ports))


if __name__ == "__main__":
    main()
