"""The outbox on disk (the `Outbox` port of services/outbox.py): one JSON object a line, appended and
fsync'd before `append` returns, so a write accepted while the database was down survives a crash.

`outbox.jsonl` holds what still waits; it is emptied once everything in it is confirmed (a crash in
between replays some entries again, which the replays allow). Entries the database refused for good
go to `outbox-set-aside.jsonl`, with the reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from c122.services.outbox import OutboxEntry

log = logging.getLogger(__name__)

WAITING_FILE = "outbox.jsonl"
SET_ASIDE_FILE = "outbox-set-aside.jsonl"


class FileOutbox:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / WAITING_FILE
        self._set_aside = folder / SET_ASIDE_FILE
        self._lock = asyncio.Lock()
        self._entries = _load(self.path)
        self._next_seq = self._entries[-1].seq + 1 if self._entries else 1
        if self._entries:
            log.warning("%d write(s) wait in the outbox %s", len(self._entries), self.path)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> Sequence[OutboxEntry]:
        return tuple(self._entries)

    async def append(self, kind: str, data: Mapping[str, Any]) -> None:
        async with self._lock:
            entry = OutboxEntry(self._next_seq, kind, dict(data))
            await asyncio.to_thread(_append_synced, self.path, _line(entry))
            self._entries.append(entry)
            self._next_seq += 1

    async def confirm(self, seq: int) -> None:
        async with self._lock:
            self._entries = [entry for entry in self._entries if entry.seq > seq]
            if not self._entries:
                await asyncio.to_thread(_empty_synced, self.path)

    async def set_aside(self, entry: OutboxEntry, reason: str) -> None:
        line = json.dumps({**json.loads(_line(entry)), "reason": reason}, ensure_ascii=False) + "\n"
        async with self._lock:
            await asyncio.to_thread(_append_synced, self._set_aside, line)


def _line(entry: OutboxEntry) -> str:
    record = {"seq": entry.seq, "kind": entry.kind, "data": entry.data}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _load(path: Path) -> list[OutboxEntry]:
    """The entries of an existing file; a last line cut short by a crash is dropped (it was never
    confirmed to its writer: the append had not returned)."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    complete = raw[: raw.rfind(b"\n") + 1]
    if len(complete) != len(raw):
        log.warning("outbox %s: an unfinished last line (%d bytes) dropped", path, len(raw) - len(complete))
        with path.open("r+b") as handle:
            handle.truncate(len(complete))
            os.fsync(handle.fileno())
    entries = []
    for line in complete.decode().splitlines():
        if line.strip():
            item = json.loads(line)
            entries.append(OutboxEntry(int(item["seq"]), str(item["kind"]), item["data"]))
    return entries


def _append_synced(path: Path, line: str) -> None:
    created = not path.exists()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        _sync_folder(path.parent)


def _empty_synced(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(0)
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
