"""What the IVR flow and prompt use cases need from storage and from the audio tools, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from c122.domain.errors import DomainError
from c122.domain.ivr import Flow
from c122.domain.organisation import CaseType, Line, Queue
from c122.domain.routing import RuleReference
from c122.services.ports import EntityRepository, UnitOfWork

PromptSource = Literal["upload", "tts"]


@dataclass(frozen=True)
class FlowVersionInfo:
    version: int
    saved_at: datetime
    saved_by: int | None


@dataclass(frozen=True)
class StoredFlow:
    """One version of a flow as stored; `latest` is the newest version number of the same flow."""

    flow: Flow
    latest: int
    saved_at: datetime
    saved_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class FlowSummary:
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Prompt:
    """A voice prompt. `file_path` is relative to the prompts directory; empty while the audio is
    missing (a demo prompt when no speech synthesiser was installed)."""

    id: int
    name: str
    title: str
    source: PromptSource
    text: str | None
    duration_ms: int
    file_path: str
    created_at: datetime
    updated_at: datetime

    @property
    def has_audio(self) -> bool:
        return bool(self.file_path)


@dataclass(frozen=True)
class NewPrompt:
    name: str
    title: str
    source: PromptSource
    text: str | None
    duration_ms: int
    file_path: str


class IvrRepository(Protocol):
    """Flows (every saved version kept) and prompts, inside one unit of work."""

    async def flow_summaries(self) -> list[FlowSummary]: ...

    async def flow(self, name: str, version: int | None = None) -> StoredFlow | None:
        """The given version of the named flow, or its latest when `version` is None."""
        ...

    async def flow_versions(self, name: str) -> list[FlowVersionInfo]:
        """Every stored version of the flow, oldest first; empty when there is no such flow."""
        ...

    async def current_flows(self) -> list[Flow]:
        """The latest version of every flow."""
        ...

    async def add_flow_version(self, flow: Flow, at: datetime, by: int | None) -> None:
        """Stores `flow` as its `version`; version 1 creates the flow. A taken name or version is a
        Conflict (another administrator saved first)."""
        ...

    async def delete_flow(self, name: str) -> None: ...

    async def text_channels_of(self, name: str) -> list[str]:
        """The text channels whose chat bot runs the flow (its prompts then need a text form)."""
        ...

    async def prompts(self) -> list[Prompt]: ...

    async def prompt(self, name: str) -> Prompt | None: ...

    async def add_prompt(self, prompt: NewPrompt, at: datetime) -> Prompt:
        """A taken name is a Conflict."""
        ...

    async def replace_prompt_audio(
        self, name: str, *, text: str | None, duration_ms: int, file_path: str, at: datetime
    ) -> Prompt: ...

    async def delete_prompt(self, name: str) -> None: ...


@dataclass(frozen=True)
class StoredAudio:
    """An audio file written under the prompts directory: 8 kHz mono 16-bit PCM WAV."""

    file_path: str  # relative to the prompts directory
    duration_ms: int


class UnusableAudio(DomainError):
    """The upload cannot become a prompt: not audio, truncated, empty, an unsupported format, too long.
    `code` says which; the message is the reason shown to the administrator."""

    code = "unusable_audio"


class SpeechUnavailable(DomainError):
    """The speech synthesiser is not installed or failed; the message says why."""

    code = "tts_unavailable"


class PromptAudio(Protocol):
    """The audio files of prompts: conversion of uploads, speech synthesis, the announcement word cache."""

    async def convert(self, data: bytes, max_seconds: float) -> StoredAudio:
        """Decodes a WAV, MP3 or OGG upload and writes it as a new prompt file; raises UnusableAudio."""
        ...

    async def synthesise(self, text: str, max_seconds: float) -> StoredAudio:
        """Speaks Russian `text` into a new prompt file; raises SpeechUnavailable."""
        ...

    async def phrase(self, text: str) -> str:
        """The cached file of one announcement word or phrase, synthesised on first use; its path
        relative to the prompts directory. Raises SpeechUnavailable."""
        ...

    def speech_problem(self) -> str | None:
        """None when speech can be synthesised, else why not (e.g. espeak-ng is not installed)."""
        ...

    def exists(self, file_path: str) -> bool: ...

    def size(self, file_path: str) -> int:
        """The file's size in bytes; 0 when it is missing."""
        ...

    async def remove(self, file_path: str) -> None:
        """Deletes a prompt file; a file already gone is not an error."""
        ...


class RoutingReferences(Protocol):
    """The routing rules that send calls to a queue or a flow about to be deleted."""

    async def rules_sending_to_queue(self, queue_id: int) -> list[RuleReference]: ...

    async def rules_starting_flow(self, flow: str) -> list[RuleReference]: ...


class IvrUnitOfWork(UnitOfWork, Protocol):
    """Flows and prompts, with the lines, queues and case types a flow refers to."""

    @property
    def ivr(self) -> IvrRepository: ...

    @property
    def routing(self) -> RoutingReferences: ...

    @property
    def lines(self) -> EntityRepository[Line]: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...

    @property
    def case_types(self) -> EntityRepository[CaseType]: ...
