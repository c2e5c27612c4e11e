"""The main process's end of one media worker: starts the process, sends it commands, hears its events,
and notices when it dies."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any, Final

from c122.telephony.media.engine import MediaFigures, MediaHealth
from c122.telephony.media.messages import Command, MediaError, MediaEvent, Reply
from c122.telephony.media.workers import protocol

log = logging.getLogger(__name__)

# The worker runs one thread (see RecordingWriter): numpy's BLAS must not start a pool of its own
# at import, which would make every system call of the relay take a reference on its socket.
WORKER_ENVIRONMENT: Final = {"PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class WorkerGone(MediaError):
    """The worker process died before it answered."""


class WorkerClient:
    def __init__(
        self,
        index: int,
        *,
        host: str,
        public_address: str,
        ports: tuple[int, int],
        any_ports: tuple[int, int],
        on_event: Callable[[MediaEvent], None],
        on_exit: Callable[[WorkerClient], None],
        cpu: int | None = None,
    ) -> None:
        self.index = index
        self.ports = ports
        self.cpu = cpu
        self.figures: MediaFigures | None = None  # the latest the worker sent
        self._host = host
        self._public = public_address
        self._any_ports = any_ports
        self._on_event = on_event
        self._on_exit = on_exit
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._stopping = False

    def again(self) -> WorkerClient:
        """A new client for the same worker (index, ports), to start in place of this dead one."""
        return WorkerClient(
            self.index,
            host=self._host,
            public_address=self._public,
            ports=self.ports,
            any_ports=self._any_ports,
            on_event=self._on_event,
            on_exit=self._on_exit,
            cpu=self.cpu,
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "c122.telephony.media.workers.process",
                "--fd",
                str(theirs.fileno()),
                "--host",
                self._host,
                "--public-address",
                self._public,
                "--ports",
                f"{self.ports[0]}-{self.ports[1]}",
                "--any-ports",
                f"{self._any_ports[0]}-{self._any_ports[1]}",
                *(["--cpu", str(self.cpu)] if self.cpu is not None else []),
                pass_fds=(theirs.fileno(),),
                env={**os.environ, **WORKER_ENVIRONMENT},
            )
        finally:
            theirs.close()
        reader, self._writer = await asyncio.open_connection(sock=ours)
        self._reading = asyncio.create_task(self._read(reader), name=f"media-worker-{self.index}")
        await self.health()  # answers once its engine is started

    async def execute(self, command: Command) -> Reply:
        reply = await self._request(type(command).__name__, protocol.fields_of(command))
        return protocol.build(protocol.REPLIES, reply.get("type"), reply.get("fields"))  # type: ignore[no-any-return]

    async def health(self) -> MediaHealth:
        reply = await self._request("Health", {})
        return MediaHealth(**reply["fields"])

    async def _request(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        if self._writer is None or self._writer.is_closing():
            raise WorkerGone(f"media worker {self.index} is not running")
        request_id = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        self._writer.write(protocol.encode({"id": request_id, "type": kind, "fields": fields}))
        try:
            reply = await answer
        finally:
            self._pending.pop(request_id, None)
        error = reply.get("error")
        if error is not None:
            raise protocol.ERRORS.get(error, MediaError)(str(reply.get("message")))
        return reply

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while (message := await protocol.read_frame(reader)) is not None:
                if "event" in message:
                    self._on_event(protocol.build(protocol.EVENTS, message["event"], message.get("fields")))
                    continue
                if "figures" in message:
                    self.figures = MediaFigures(**message["figures"])
                    continue
                answer = self._pending.get(message.get("id", -1))
                if answer is not None and not answer.done():
                    answer.set_result(message)
        except (OSError, protocol.ProtocolError, ValueError, TypeError):  # TypeError: figures unknown
            log.exception("media worker %d: channel broken", self.index)
        finally:
            await self._ended()

    async def _ended(self) -> None:
        for answer in self._pending.values():
            if not answer.done():
                answer.set_exception(WorkerGone(f"media worker {self.index} died"))
        if self._writer is not None:
            self._writer.close()
        if self._process is not None:
            code = await self._process.wait()
            if not self._stopping:
                log.error("media worker %d (pid %d) exited with %s", self.index, self._process.pid, code)
        if not self._stopping:
            self._on_exit(self)

    async def stop(self) -> None:
        self._stopping = True
        if self._writer is not None:
            self._writer.close()  # the worker closes its legs and exits at the end of its channel
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._reading is not None:
            await self._reading
