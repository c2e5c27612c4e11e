"""Recordings after the call (TEL-11): compressed, kept with their checksum, deleted when their group's
retention period is over.

`RecordingUpkeep` runs every minute (bootstrap): each call ended a little while ago whose recording is
still the media engine's WAV gets it compressed beside it (the `RecordingFiles` port: Opus in Ogg), the
compressed file's SHA-256 stored with it (`recording_files`), then the WAV deleted. A WAV that cannot be
compressed is kept as it is, with its own checksum; one that is gone is noted as such. Stored recordings
whose retention period (per group, else the default) is over are deleted with the call's recorded video
files beside them (`domain.calls.video`), each deletion audited
(`delete_recording`); the row stays, so a later read answers 410 with the date and the reason."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Final

from c122.domain.clock import Clock
from c122.services.calls.ports import CallsUnitOfWork, RecordingFiles, RecordingToCompress, StoredRecording
from c122.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

SETTLE: Final = timedelta(seconds=30)
"""A call ended this long ago: a transferred caller's recording no longer grows."""
BATCH: Final = 20
RETENTION: Final = "retention"
FILE_MISSING: Final = "file_missing"
UNCOMPRESSED: Final = "wav"


@dataclass(frozen=True)
class RecordingRetention:
    """How long recordings are kept: per group (`by_group`), else `default_days`."""

    default_days: int
    by_group: Mapping[int, int] = field(default_factory=dict)

    def overridden(self, stored: Mapping[int, int]) -> RecordingRetention:
        """This retention with the groups' own settings (the policies screen) over the configured ones."""
        return replace(self, by_group={**self.by_group, **stored})

    def days_for(self, group_id: int | None) -> int:
        if group_id is None:
            return self.default_days
        return self.by_group.get(group_id, self.default_days)


class RecordingUpkeep:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CallsUnitOfWork],
        clock: Clock,
        files: RecordingFiles,
        retention: RecordingRetention,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._files = files
        self.retention = retention

    async def run(self) -> None:
        """One round: compress what waits, then delete what is past its retention."""
        while await self.compress_pending() == BATCH:
            pass
        while await self.purge_expired() == BATCH:
            pass

    async def compress_pending(self) -> int:
        """Compresses up to BATCH recordings of calls ended at least SETTLE ago, stores them in one
        transaction, then removes their WAVs; returns how many."""
        async with self._uow() as uow:
            waiting = await uow.calls.uncompressed_recordings(self._clock.now() - SETTLE, BATCH)
        done = [await self._compressed(item) for item in waiting]
        if not done:
            return 0
        async with self._uow() as uow:
            for stored, _wav in done:
                await uow.calls.store_recording(stored)
            await uow.commit()
        for stored, wav in done:
            if wav is not None and stored.path != wav:
                await asyncio.to_thread(self._files.remove, wav)
        return len(waiting)

    async def _compressed(self, item: RecordingToCompress) -> tuple[StoredRecording, str | None]:
        """What is stored for the recording, and the WAV it was made from (None: the file is gone)."""
        wav = self._files.locate(item.recording_path)
        now = self._clock.now()
        stored = StoredRecording(
            call_id=item.call_id,
            path=wav or item.recording_path,
            codec=UNCOMPRESSED,
            bytes=0,
            wav_bytes=0,
            sha256="",
            group_id=item.group_id,
            stored_at=now,
        )
        if wav is None:
            log.warning("recording of call %s: its file %s is gone", item.call_id, item.recording_path)
            stored = replace(stored, deleted_at=now, deleted_reason=FILE_MISSING)
        else:
            try:
                done = await asyncio.to_thread(self._files.compress, wav)
            except (OSError, ValueError) as exc:  # kept as it is, still under its checksum
                log.warning("recording of call %s cannot be compressed, kept as WAV: %s", item.call_id, exc)
                digest = await asyncio.to_thread(self._files.digest, wav) or ""
                size = await asyncio.to_thread(os.path.getsize, wav)
                stored = replace(stored, path=wav, sha256=digest, bytes=size, wav_bytes=size)
            else:
                stored = replace(
                    stored,
                    path=done.path,
                    codec=done.codec,
                    bytes=done.bytes,
                    wav_bytes=done.wav_bytes,
                    sha256=done.sha256,
                )
        return stored, wav

    async def purge_expired(self) -> int:
        """Deletes up to BATCH stored recordings past their group's retention; returns how many. A
        group's own setting is read each round, so a change on the policies screen applies at once."""
        now = self._clock.now()
        async with self._uow() as uow:
            retention = self.retention.overridden(await uow.calls.group_retention_days())
            due = await uow.calls.expired_recordings(
                {group: now - timedelta(days=days) for group, days in retention.by_group.items()},
                now - timedelta(days=retention.default_days),
                BATCH,
            )
            for recording in due:
                videos = await asyncio.to_thread(self._files.videos_beside, recording.path)
                for path in [recording.path, *videos]:  # the call's cameras go with its audio
                    await asyncio.to_thread(self._files.remove, path)
                await uow.calls.recording_deleted(recording.call_id, now, RETENTION)
                await uow.audit.record(
                    at=now,
                    actor_id=None,
                    action="delete_recording",
                    entity="call",
                    entity_id=recording.call_id,
                    detail={
                        "reason": RETENTION,
                        "retention_days": retention.days_for(recording.group_id),
                        "group_id": recording.group_id,
                        "stored_at": recording.stored_at.isoformat(),
                        "videos": len(videos),
                    },
                )
            await uow.commit()
        return len(due)
