"""Voice prompts (issue #8 part 3): uploads converted to 8 kHz, Russian speech from text, and the files
the call flow plays — named prompts and the words of position and wait announcements.

A prompt is stored as a row (name, title, source, duration) and an 8 kHz mono 16-bit WAV under the
prompts directory; the PromptAudio port does every file and codec operation.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from c122.domain.clock import Clock
from c122.domain.errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    DuplicateField,
    FieldProblem,
    Forbidden,
    InvalidFields,
    NotFound,
)
from c122.domain.ivr import Flow
from c122.domain.ivr import prompts as node_prompts
from c122.domain.users import CONSOLE, Actor
from c122.services.ivr.ports import (
    IvrUnitOfWork,
    NewPrompt,
    Prompt,
    PromptAudio,
    PromptSource,
    SpeechUnavailable,
    StoredAudio,
    UnusableAudio,
)
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)

PROMPT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
AUDIT_ENTITY = "prompt"
MAX_TITLE = 200
HOLD_SPECS_S = 5.0  # a prompt changed on another node of the hotline plays here within this


@dataclass(frozen=True)
class PromptLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_seconds: float = 300.0
    max_text: int = 2000


class PromptTooLarge(DomainError):
    """The upload is over the size limit (HTTP 413)."""

    code = "prompt_too_large"


# Upload refusals that mean "this is not audio we take" (HTTP 415) rather than a damaged file (422).
NOT_AUDIO_CODES = frozenset({"not_audio", "unsupported_format"})


class NotAudio(DomainError):
    """The upload is not audio, or audio in a format not taken (HTTP 415); the message is the reason."""

    code = "not_audio"


@dataclass(frozen=True)
class PromptUse:
    """A place that plays a prompt: a node of the latest version of a flow, and the node's field."""

    flow: str
    node: str
    field: str


class PromptInUse(Conflict):
    """Deleting a prompt that flows still play (HTTP 409); `uses` names every place."""

    def __init__(self, name: str, uses: Sequence[PromptUse]) -> None:
        flows = ", ".join(f"«{flow}»" for flow in sorted({use.flow for use in uses}))
        super().__init__(f"фраза «{name}» звучит в сценариях {flows}", code="in_use")
        self.uses = tuple(uses)


@dataclass(frozen=True)
class PromptListing:
    """A prompt as the console lists it: the file's size, who added it and where it is played."""

    prompt: Prompt
    size_bytes: int
    created_by: int | None
    used_by: tuple[PromptUse, ...]


class PromptService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[IvrUnitOfWork],
        clock: Clock,
        prompts_dir: Path,
        audio: PromptAudio,
        limits: PromptLimits | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._dir = prompts_dir  # absolute: specs name files the media engine opens from anywhere
        self._audio = audio
        self.limits = limits or PromptLimits()
        self._warned_no_speech = False
        # The last spec read for each prompt and when: calls within HOLD_SPECS_S of the read play it
        # without asking the database again (every greeting, music and announcement is a prompt), and
        # while the database is down it still plays. A change here drops them all.
        self._known_specs: dict[str, tuple[float, str | None]] = {}
        self._monotonic = monotonic

    # --- for the call flow ------------------------------------------------------------------------

    async def media_spec(self, name: str) -> str | None:
        """`file:/abs/path.wav` of the prompt, or None when it is unknown or has no audio; while the
        database is down, the spec last read (DatabaseUnavailable for a prompt never read)."""
        known = self._known_specs.get(name)
        if known is not None and self._monotonic() - known[0] < HOLD_SPECS_S:
            return known[1]
        try:
            async with self._uow() as uow:
                prompt = await uow.ivr.prompt(name)
        except DatabaseUnavailable:
            if known is None:
                raise
            return known[1]
        spec = self._spec(prompt.file_path) if prompt is not None and prompt.has_audio else None
        self._known_specs[name] = (self._monotonic(), spec)
        return spec

    def _drop_specs(self) -> None:
        """A prompt changed: every spec is read afresh on its next play (kept as the outage fallback)."""
        self._known_specs = {name: (float("-inf"), spec) for name, (_at, spec) in self._known_specs.items()}

    async def announcement_specs(self, words: Sequence[str]) -> list[str]:
        """One spec per word or phrase of an announcement, each synthesised once and kept on disk.
        Empty when speech cannot be synthesised: a caller hears no announcement rather than half of one."""
        specs = []
        for word in words:
            try:
                specs.append(self._spec(await self._audio.phrase(word)))
            except SpeechUnavailable as exc:
                if not self._warned_no_speech:
                    _log.warning("queue announcements are silent: %s", exc.message)
                    self._warned_no_speech = True
                return []
        return specs

    def _spec(self, file_path: str) -> str:
        return f"file:{self._dir / file_path}"

    # --- administration ---------------------------------------------------------------------------

    async def list(self, actor: Actor) -> list[PromptListing]:
        _require_admin(actor)
        async with self._uow() as uow:
            prompts = await uow.ivr.prompts()
            uses = _uses_by_prompt(await uow.ivr.current_flows())
            creators = await _creators(uow)
        return [
            PromptListing(
                prompt=prompt,
                size_bytes=self._audio.size(prompt.file_path) if prompt.has_audio else 0,
                created_by=creators.get(prompt.name),
                used_by=tuple(uses.get(prompt.name, ())),
            )
            for prompt in prompts
        ]

    async def get(self, actor: Actor, name: str) -> Prompt:
        _require_admin(actor)
        async with self._uow() as uow:
            return await _existing(uow, name)

    async def audio_path(self, actor: Actor, name: str) -> Path:
        """The prompt's WAV file, for listening in the console."""
        prompt = await self.get(actor, name)
        if not prompt.has_audio or not self._audio.exists(prompt.file_path):
            raise NotFound(f"prompt «{name}» has no audio", code="no_audio")
        return self._dir / prompt.file_path

    async def upload(self, actor: Actor, name: str, title: str, data: bytes) -> Prompt:
        """A WAV, MP3 or OGG file becomes a prompt (converted to 8 kHz mono 16-bit WAV)."""
        _require_admin(actor)
        title = _checked_fields(name, title)
        if len(data) > self.limits.max_bytes:
            raise PromptTooLarge(f"файл больше {self.limits.max_bytes / 1024 / 1024:.3g} МБ")
        if not data:
            raise InvalidFields([FieldProblem("file", "empty", "файл пуст")])
        await self._refuse_duplicate(name)
        try:
            stored = await self._audio.convert(data, self.limits.max_seconds)
        except UnusableAudio as exc:
            if exc.code in NOT_AUDIO_CODES:
                raise NotAudio(exc.message, code=exc.code) from None
            raise InvalidFields([FieldProblem("file", exc.code, exc.message)]) from None
        return await self._add(
            actor, NewPrompt(name, title, "upload", None, stored.duration_ms, stored.file_path)
        )

    async def synthesise(self, actor: Actor, name: str, title: str, text: str) -> Prompt:
        """Russian speech from `text` becomes a prompt; SpeechUnavailable without espeak-ng."""
        _require_admin(actor)
        title = _checked_fields(name, title)
        text = self._checked_text(text)
        await self._refuse_duplicate(name)
        stored = await self._audio.synthesise(text, self.limits.max_seconds)
        return await self._add(
            actor, NewPrompt(name, title, "tts", text, stored.duration_ms, stored.file_path)
        )

    async def delete(self, actor: Actor, name: str) -> None:
        _require_admin(actor)
        async with self._uow() as uow:
            prompt = await _existing(uow, name)
            uses = _uses_by_prompt(await uow.ivr.current_flows()).get(name)
            if uses:
                raise PromptInUse(name, uses)
            await uow.ivr.delete_prompt(name)
            await self._audit(uow, actor, "delete", name)
            await uow.commit()
        self._drop_specs()
        if prompt.file_path:
            await self._audio.remove(prompt.file_path)

    # --- the demo's prompts -----------------------------------------------------------------------

    async def ensure_spoken(self, name: str, title: str, text: str) -> Prompt:
        """A speech prompt with this text, synthesised when missing or changed. Without a synthesiser
        the prompt is kept without audio (media_spec is None), so flows that play it still save and the
        call flow can fall back; a warning says so. A recording uploaded under the name is kept."""
        async with self._uow() as uow:
            existing = await uow.ivr.prompt(name)
        if existing is not None and existing.source == "upload":
            return existing
        if (
            existing
            and existing.text == text
            and existing.has_audio
            and self._audio.exists(existing.file_path)
        ):
            return existing
        try:
            stored = await self._audio.synthesise(text, self.limits.max_seconds)
        except SpeechUnavailable as exc:
            if existing is not None:  # the audio it has, if any, is better than none
                _log.warning("prompt %s left as it was: %s", name, exc.message)
                return existing
            _log.warning("prompt %s saved without audio: %s", name, exc.message)
            stored = StoredAudio("", 0)
        if existing is None:
            return await self._add(
                CONSOLE, NewPrompt(name, title, "tts", text, stored.duration_ms, stored.file_path)
            )
        return await self._replace_audio(existing, text, stored)

    async def _replace_audio(self, existing: Prompt, text: str, stored: StoredAudio) -> Prompt:
        """Points the prompt at its new file; the old file goes once the row is changed (a call still
        playing it keeps reading it: the file is open), the new one goes when the row cannot be."""
        try:
            async with self._uow() as uow:
                updated = await uow.ivr.replace_prompt_audio(
                    existing.name,
                    text=text,
                    duration_ms=stored.duration_ms,
                    file_path=stored.file_path,
                    at=self._clock.now(),
                )
                await self._audit(uow, CONSOLE, "update", existing.name)
                await uow.commit()
            self._drop_specs()
        except BaseException:
            await self._audio.remove(stored.file_path)
            raise
        if existing.file_path and existing.file_path != stored.file_path:
            await self._audio.remove(existing.file_path)
        return updated

    # --- helpers ----------------------------------------------------------------------------------

    def _checked_text(self, text: str) -> str:
        text = text.strip()
        if not text:
            raise InvalidFields([FieldProblem("text", "required", "введите текст фразы")])
        if len(text) > self.limits.max_text:
            raise InvalidFields(
                [FieldProblem("text", "too_long", f"не длиннее {self.limits.max_text} символов")]
            )
        return text

    async def _refuse_duplicate(self, name: str) -> None:
        async with self._uow() as uow:
            if await uow.ivr.prompt(name) is not None:
                raise DuplicateField("name", f"a prompt named «{name}» already exists")

    async def _add(self, actor: Actor, prompt: NewPrompt) -> Prompt:
        """Stores the row; the file just written goes away again when the row cannot be stored."""
        try:
            async with self._uow() as uow:
                stored = await uow.ivr.add_prompt(prompt, self._clock.now())
                await self._audit(uow, actor, "create", prompt.name, prompt.source)
                await uow.commit()
            self._drop_specs()
        except BaseException:
            if prompt.file_path:
                await self._audio.remove(prompt.file_path)
            raise
        return stored

    async def _audit(
        self, uow: IvrUnitOfWork, actor: Actor, action: str, name: str, source: PromptSource | None = None
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id,
            action=action,
            entity=AUDIT_ENTITY,
            entity_id=name,
            detail={"source": source} if source else None,
        )


def _checked_fields(name: str, title: str) -> str:
    """The title without surrounding spaces, or InvalidFields for a bad name or title."""
    title = title.strip()
    problems = []
    if not PROMPT_NAME.match(name):
        problems.append(
            FieldProblem("name", "invalid_name", "код фразы: латинская буква, затем строчные буквы, цифры, _")
        )
    if not title:
        problems.append(FieldProblem("title", "required", "укажите название фразы"))
    elif len(title) > MAX_TITLE:
        problems.append(FieldProblem("title", "too_long", f"не длиннее {MAX_TITLE} символов"))
    if problems:
        raise InvalidFields(problems)
    return title


def _uses_by_prompt(flows: Sequence[Flow]) -> dict[str, list[PromptUse]]:
    """Every place each prompt is played, from the latest version of every flow, in a stable order."""
    uses: dict[str, list[PromptUse]] = {}
    for flow in sorted(flows, key=lambda f: f.name):
        for node_id, node in sorted(flow.nodes.items()):
            for field, prompt in node_prompts(node):
                uses.setdefault(prompt, []).append(PromptUse(flow.name, node_id, field))
    return uses


# How far back the audit log is read for who added each prompt: far more creations than any line has.
CREATORS_LOOKBACK = 10_000


async def _creators(uow: IvrUnitOfWork) -> dict[str, int | None]:
    """Who added each prompt, from its newest `create` entry in the audit log (None: the system)."""
    creators: dict[str, int | None] = {}
    for entry in await uow.audit.entries(AUDIT_ENTITY, limit=CREATORS_LOOKBACK):
        if entry.action == "create":
            creators.setdefault(entry.entity_id, entry.actor_id)
    return creators


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators manage prompts")


async def _existing(uow: IvrUnitOfWork, name: str) -> Prompt:
    prompt = await uow.ivr.prompt(name)
    if prompt is None:
        raise NotFound(f"no prompt «{name}»")
    return prompt
