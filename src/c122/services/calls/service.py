"""Use cases of call records: the call flow stores a record at each phase; the call journal lists and
shows them within the viewer's scope; recordings are served to those who may hear them, audited."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Set
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Final

from c122.domain.calls import (
    NODE_LOST,
    SYSTEM_RESTART,
    CallFilter,
    CallQuery,
    CallRecord,
    FilterOptions,
    JournalCount,
    JournalCursor,
    JournalPage,
    JournalRow,
    JournalScope,
    check_filter_scope,
    check_record,
    closed_by_restart,
    journal_scope,
    may_hear_recording,
    sees_call,
)
from c122.domain.calls.video import video_recording_path
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DomainError, FieldProblem, Forbidden, Gone, InvalidFields, NotFound
from c122.domain.users import Actor
from c122.services.access_audit import refusals_audited
from c122.services.calls.export import COLUMNS, JournalRows, journal_header
from c122.services.calls.ports import CallsUnitOfWork, ExportBatch, RecordingFiles, StoredRecording
from c122.services.calls.recordings import RETENTION
from c122.services.exports.ports import (
    PDF_MAX_ROWS,
    ExportFormat,
    ExportJob,
    Exports,
    ExportSource,
    ExportSpec,
    RowBatches,
)
from c122.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
EXPORT_BATCH: Final = 5_000
"""Calls read per transaction while exporting."""
EXPORT_SOURCE: Final = "calls"
"""The kind of the journal's export source (`export_rows` reads it again after a restart)."""


@dataclass(frozen=True)
class RecordingFile:
    call_id: str
    path: str
    """The absolute path of the file: the compressed recording, or the WAV until it is compressed."""
    download: bool
    """True: served as an attachment to save; False: to play in the browser."""

    @property
    def extension(self) -> str:
        return "ogg" if self.path.endswith(".ogg") else "wav"

    @property
    def filename(self) -> str:
        return f"call-{self.call_id}.{self.extension}"

    @property
    def media_type(self) -> str:
        return "audio/ogg" if self.extension == "ogg" else "audio/wav"


@dataclass(frozen=True)
class VideoFile:
    """One leg's recorded camera (WebM, VP8 as the browser sent it)."""

    call_id: str
    leg_id: str
    path: str
    download: bool

    @property
    def filename(self) -> str:
        return f"call-{self.call_id}-{self.leg_id}.webm"


class CallRecordService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CallsUnitOfWork],
        clock: Clock,
        recordings: RecordingFiles,
        zone: tzinfo,
        exports: Exports,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._recordings = recordings
        self._exports = exports
        self.zone = zone
        """The hotline's zone: a date alone in a journal filter is that day there."""

    async def save(self, record: CallRecord) -> None:
        """Stores the record whole, replacing what was stored for that call: saving the same record
        again changes nothing. A record that contradicts itself is refused (InvalidFields)."""
        check_record(record)
        async with self._uow() as uow:
            await uow.calls.save(record, self.zone)
            await uow.commit()

    async def record_wrap_ups(self, ended: list[tuple[str, float]]) -> None:
        """The operators' wrap-up after these calls (call id, seconds), as it ended; a later write of
        the record by the call flow keeps it (see the repository's `save`)."""
        async with self._uow() as uow:
            await uow.calls.set_wrap_ups([(call_id, max(0.0, seconds)) for call_id, seconds in ended])
            await uow.commit()

    async def close_after_restart(self, running: Callable[[], Set[str]]) -> list[str]:
        """Records a stopped process left `active` are closed with the end cause `system_restart`
        (`domain.calls.restart`); calls of this process (`running()`) are left alone. Returns the ids."""
        live = running()
        return await self._close_active(lambda call_id: call_id not in live, SYSTEM_RESTART)

    async def close_lost(self, call_ids: Set[str]) -> list[str]:
        """The records of calls a dead node carried are closed with the end cause `node_lost` (the
        surviving leader's sweep, docs/operations.md "Several nodes"). Returns the ids closed."""
        return await self._close_active(lambda call_id: call_id in call_ids, NODE_LOST)

    async def _close_active(self, chosen: Callable[[str], bool], cause: str) -> list[str]:
        async with self._uow() as uow:
            closed: list[str] = []
            for stored in await uow.calls.active():
                if not chosen(stored.id):
                    continue
                record = closed_by_restart(stored, self._clock.now(), cause)
                try:
                    check_record(record)
                except InvalidFields as exc:  # one odd record must not keep the hotline from starting
                    log.warning("call record %s left active: cannot close it: %s", record.id, exc)
                    continue
                await uow.calls.save(record, self.zone)
                closed.append(record.id)
            await uow.commit()
        return closed

    async def save_many(self, records: list[CallRecord]) -> None:
        """Stores several records in one transaction (the call path's batching writer)."""
        for record in records:
            check_record(record)
        async with self._uow() as uow:
            await uow.calls.save_many(records, self.zone)
            await uow.commit()

    async def list_calls(self, actor: Actor, filters: CallFilter) -> JournalPage:
        await self._check_scope(actor, filters, wanted="view_journal")
        async with self._uow() as uow:
            return await uow.calls.list_calls(CallQuery(filters, journal_scope(actor)))

    async def count_calls(self, actor: Actor, filters: CallFilter) -> JournalCount:
        """How many calls the journal's filters match for this viewer (asked apart from the page: the
        screen shows the page first)."""
        await self._check_scope(actor, filters, wanted="view_journal")
        async with self._uow() as uow:
            return await uow.calls.count_calls(CallQuery(filters, journal_scope(actor)))

    async def export_calls(self, actor: Actor, filters: CallFilter, format: ExportFormat) -> ExportJob:
        """Exactly what the journal shows for these filters, as a file (or a background job when large).
        A PDF over PDF_MAX_ROWS is refused with a suggestion of xlsx; every export is audited, and so is
        a refusal of its filters."""
        await self._check_scope(actor, filters, wanted="export_calls")
        scope = journal_scope(actor)
        at = self._clock.now()
        async with self._uow() as uow:
            counted = await uow.calls.count_calls(CallQuery(filters, scope))
            expected = counted.total
            if format == "pdf" and (counted.capped or expected > PDF_MAX_ROWS):
                raise InvalidFields(
                    [
                        FieldProblem(
                            "format",
                            "too_many_rows_for_pdf",
                            f"в PDF не более {PDF_MAX_ROWS} строк, а звонков больше: выберите .xlsx "
                            "или сузьте фильтры",
                        )
                    ]
                )
            ids = [actor.user_id] + ([filters.operator_id] if filters.operator_id is not None else [])
            names = await uow.calls.names(
                user_ids=ids, group_id=filters.group_id, case_type_id=filters.case_type_id
            )
            await uow.audit.record(
                at=at,
                actor_id=actor.user_id,
                action="export_calls",
                entity="call_journal",
                entity_id=format,
                detail={"format": format, "rows": expected, "filters": _filter_detail(filters)},
            )
            await uow.commit()
        header_names = {
            "group": names.get("group", ""),
            "case_type": names.get("case_type", ""),
            "operator": names.get(f"user:{filters.operator_id}", ""),
        }
        spec = ExportSpec(
            format=format,
            filename=f"calls-{at.astimezone(self.zone):%Y-%m-%d-%H%M}",
            header=journal_header(
                filters, header_names, names.get(f"user:{actor.user_id}", "—"), at, self.zone
            ),
            columns=COLUMNS,
            expected_rows=expected,
        )
        query = CallQuery(filters, scope)
        source = ExportSource(EXPORT_SOURCE, _query_params(query))
        return await self._exports.export(actor, spec, self._rows(query), source)

    def export_rows(self, params: Mapping[str, object]) -> RowBatches:
        """The rows of an export again, from the source it was kept with (an export a restart
        interrupted); the scope is the one checked when it was asked for. ValueError: not such params."""
        return self._rows(_query_from(params))

    async def _rows(self, query: CallQuery) -> RowBatches:
        """Batch after batch by keyset, each read in its own short transaction; the names the rows show
        are read once, before the first. The next batch is read while this one is written: the reads
        wait on the disk (a period's calls lie scattered over the table), the writer on its own thread."""
        async with self._uow() as uow:
            rows = JournalRows(await uow.calls.export_names(), self.zone)

        async def read(after: JournalCursor | None) -> ExportBatch:
            async with self._uow() as uow:
                return await uow.calls.export_batch(query, after, EXPORT_BATCH)

        reading = asyncio.ensure_future(read(None))
        try:
            while True:
                batch = await reading
                if len(batch.calls) == EXPORT_BATCH:
                    last = batch.calls[-1]
                    reading = asyncio.ensure_future(read(JournalCursor(last.started_at, last.id)))
                if batch.calls:
                    yield rows.of(batch)
                if len(batch.calls) < EXPORT_BATCH:
                    return
        finally:
            reading.cancel()  # an export stopped midway leaves no read behind

    async def filter_options(self, actor: Actor) -> FilterOptions:
        async with self._uow() as uow:
            return await uow.calls.filter_options(journal_scope(actor))

    async def get_call(self, actor: Actor, call_id: str) -> JournalRow:
        """A call outside the viewer's scope is refused like an unknown one, and the refusal audited."""
        async with (
            refusals_audited(
                self._uow, self._clock, actor, wanted="view_call", entity="call", entity_id=call_id
            ),
            self._uow() as uow,
        ):
            return await _visible(uow, actor, call_id)

    async def _check_scope(self, actor: Actor, filters: CallFilter, *, wanted: str) -> None:
        """A filter naming a group or an operator outside the viewer's scope is refused (403), and the
        refusal audited with what was asked for."""
        asked = f"group:{filters.group_id},operator:{filters.operator_id}"
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="call_journal", entity_id=asked
        ):
            check_filter_scope(actor, filters)

    async def recording(self, actor: Actor, call_id: str, *, download: bool = False) -> RecordingFile:
        """The recording of a call for an administrator or a senior of its group; each access is written
        to the audit log (who, which call, listened or downloaded) before the file is handed out; so is
        each refusal."""
        wanted = "download_recording" if download else "listen_recording"
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="call", entity_id=call_id
        ):
            return await self._recording(actor, call_id, download)

    async def video_legs(self, actor: Actor, record: CallRecord) -> list[str]:
        """The legs of a call whose camera was recorded, for a viewer who may hear its recording (none
        for others): what the journal offers to play."""
        if record.recording_path is None or not may_hear_recording(actor, record):
            return []
        found = await asyncio.to_thread(self._recordings.videos_beside, record.recording_path)
        names = {Path(path).name for path in found}
        legs = [leg.leg_id for leg in record.legs]
        return [
            leg
            for leg in legs
            if (named := video_recording_path(record.recording_path, leg)) and Path(named).name in names
        ]

    async def video(self, actor: Actor, call_id: str, leg_id: str, *, download: bool = False) -> VideoFile:
        """The recorded camera of one leg of a call (its group's `record_video`), under the same right as
        the call's recording; each access is audited (`view_video`, `download_video`), and so is each
        refusal, a file that is not there (`video_missing`) and one that no longer opens
        (`video_damaged`, 409)."""
        wanted = "download_video" if download else "view_video"
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="call", entity_id=call_id
        ):
            return await self._video(actor, call_id, leg_id, wanted)

    async def _video(self, actor: Actor, call_id: str, leg_id: str, wanted: str) -> VideoFile:
        async with self._uow() as uow:
            record = (await _visible(uow, actor, call_id)).record
            if not may_hear_recording(actor, record):
                raise Forbidden("recordings are seen by administrators and seniors of the call's group")
            if all(leg.leg_id != leg_id for leg in record.legs):
                raise NotFound("the call has no such leg", code="no_such_leg")
            named = video_recording_path(record.recording_path, leg_id) if record.recording_path else None
            path = self._recordings.locate(named) if named is not None else None
            detail: dict[str, object] = {"leg_id": leg_id, "group_id": record.group_id}
            refused: DomainError | None = None
            action = wanted
            if path is None:
                refused = NotFound(
                    "видео этого участника не записано (группа не записывает видео, камера не "
                    "передавала изображение) или файла больше нет",
                    code="video_missing",
                )
                action = "video_missing"
            elif not await asyncio.to_thread(self._recordings.video_readable, path):
                log.error("video recording of call %s, leg %s, does not open: %s", call_id, leg_id, path)
                refused = Conflict("видеозапись повреждена: файл не открывается", code="video_damaged")
                action = "video_damaged"
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action=action,
                entity="call",
                entity_id=call_id,
                detail=detail,
            )
            await uow.commit()
        if refused is not None:
            raise refused
        assert path is not None
        return VideoFile(call_id, leg_id, path, download=wanted == "download_video")

    async def _recording(self, actor: Actor, call_id: str, download: bool) -> RecordingFile:
        """Refused (and the refusal audited by the caller): 404 for a call the actor may not see, 403
        for one they may not hear. Audited here: 410 for a recording deleted at the end of its
        retention period, 409 for a damaged one (its checksum no longer matches)."""
        async with self._uow() as uow:
            record = (await _visible(uow, actor, call_id)).record
            if not may_hear_recording(actor, record):
                raise Forbidden("recordings are heard by administrators and seniors of the call's group")
            if record.recording_path is None:
                raise NotFound("this call has no recording", code="no_recording")
            stored = await uow.calls.stored_recording(call_id)
            detail: dict[str, object] = {"group_id": record.group_id, "operator_id": record.operator_id}
            if stored is None:  # not compressed yet: the media engine's WAV
                path = self._recordings.locate(record.recording_path)
                if path is None:
                    raise NotFound("the recording file is no longer stored", code="recording_missing")
            else:
                path = await self._checked(uow, actor, stored, detail)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="download_recording" if download else "listen_recording",
                entity="call",
                entity_id=call_id,
                detail=detail,
            )
            await uow.commit()
        return RecordingFile(call_id, path, download)

    async def _checked(
        self, uow: CallsUnitOfWork, actor: Actor, stored: StoredRecording, detail: dict[str, object]
    ) -> str:
        """The stored file's path once its checksum matches; Gone or Conflict (audited) otherwise."""
        if stored.deleted_at is not None and stored.deleted_reason != RETENTION:
            raise NotFound("the recording file is no longer stored", code="recording_missing")
        refused: DomainError | None = None
        if stored.deleted_at is not None:
            day = stored.deleted_at.astimezone(self.zone)
            refused = Gone(
                f"запись удалена {day:%d.%m.%Y} по истечении срока хранения записей группы",
                code="recording_expired",
            )
            action = "recording_expired"
        else:
            digest = await asyncio.to_thread(self._recordings.digest, stored.path)
            if digest is None:
                raise NotFound("the recording file is no longer stored", code="recording_missing")
            if digest != stored.sha256:
                log.error(
                    "recording of call %s is damaged: %s has SHA-256 %s, %s was stored",
                    stored.call_id,
                    stored.path,
                    digest,
                    stored.sha256,
                )
                refused = Conflict(
                    "запись повреждена: файл не совпадает с контрольной суммой, записанной при сохранении",
                    code="recording_damaged",
                )
                action = "recording_damaged"
        if refused is None:
            return stored.path
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id,
            action=action,
            entity="call",
            entity_id=stored.call_id,
            detail={**detail, "deleted_at": _iso(stored.deleted_at), "sha256": stored.sha256},
        )
        await uow.commit()
        raise refused


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _filter_detail(filters: CallFilter) -> dict[str, object]:
    values = asdict(replace(filters, after=None))
    for key in ("limit", "offset", "after"):
        values.pop(key, None)
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
        if value is not None
    }


_FILTER_FIELDS: Final = tuple(
    f.name for f in fields(CallFilter) if f.name not in ("limit", "offset", "after")
)
_FILTER_TIMES: Final = ("since", "until")


def _query_params(query: CallQuery) -> dict[str, object]:
    """An export's query as JSON values (`_query_from` reads them back)."""
    scope = query.scope
    return {
        "filter": _filter_detail(query.filter),
        "scope": {
            "group_ids": None if scope.group_ids is None else sorted(scope.group_ids),
            "user_id": scope.user_id,
        },
    }


def _query_from(params: Mapping[str, object]) -> CallQuery:
    wanted = params.get("filter")
    scope = params.get("scope")
    if not isinstance(wanted, dict) or not isinstance(scope, dict):
        raise ValueError("an export source of calls has a filter and a scope")
    values: dict[str, object] = {}
    for name, value in wanted.items():
        if name not in _FILTER_FIELDS:
            raise ValueError(f"unknown filter {name!r}")
        values[name] = datetime.fromisoformat(value) if name in _FILTER_TIMES else value
    group_ids = scope.get("group_ids")
    user_id = scope.get("user_id")
    if not (group_ids is None or isinstance(group_ids, list)) or not (
        user_id is None or isinstance(user_id, int)
    ):
        raise ValueError("a scope is group ids and a user id")
    return CallQuery(
        CallFilter(**values),  # type: ignore[arg-type]
        JournalScope(None if group_ids is None else frozenset(int(g) for g in group_ids), user_id),
    )


async def _visible(uow: CallsUnitOfWork, actor: Actor, call_id: str) -> JournalRow:
    """Unknown and invisible calls look the same: nobody learns which call ids exist."""
    row = await uow.calls.get(call_id)
    if row is None or not sees_call(actor, row.record):
        raise NotFound("no such call")
    return row
