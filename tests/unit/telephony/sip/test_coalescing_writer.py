"""The SIP side's background writes: the latest change per key wins, batches are written in order, and
a failed write is tried again with what changed meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from c122.telephony.sip import coalescing_writer
from c122.telephony.sip.coalescing_writer import CoalescingWriter


async def test_changes_are_coalesced_per_key_and_written_in_batches() -> None:
    written: list[dict[str, int | None]] = []

    async def write(batch: Mapping[str, int | None]) -> None:
        written.append(dict(batch))

    writer: CoalescingWriter[str, int | None] = CoalescingWriter(write, "test")
    writer.put("a", 1)
    writer.put("a", 2)
    writer.put("b", None)
    await writer.flush(1.0)
    writer.put("a", None)
    await writer.close()
    assert written == [{"a": 2, "b": None}, {"a": None}]


async def test_a_failed_write_is_retried_merged_with_newer_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coalescing_writer, "RETRY_S", 0.01)
    attempts: list[dict[str, int]] = []
    fail = asyncio.Event()
    fail.set()

    async def write(batch: Mapping[str, int]) -> None:
        attempts.append(dict(batch))
        if fail.is_set():
            fail.clear()
            writer.put("b", 2)  # arrives while the database is away
            raise OSError("database unreachable")

    writer: CoalescingWriter[str, int] = CoalescingWriter(write, "test")
    writer.put("a", 1)
    await writer.close()
    assert attempts == [{"a": 1}, {"a": 1, "b": 2}]
