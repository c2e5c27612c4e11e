"""Python plug-ins for anything else: an entry point of the group `c122.lookups` names an async
callable `(key, value, options) -> list[dict]`, `key` being phone/snils/oms/name and `options` the
lookup's own settings. A plug-in reports a failure by raising; the service bounds its time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.metadata import entry_points
from typing import Any, cast

from c122.domain.lookups import PLUGIN_GROUP, KeyKind, LookupDraft
from c122.services.lookups.ports import LookupFailed

Plugin = Callable[[str, str, dict[str, str]], Awaitable[list[dict[str, Any]]]]


class PluginLookups:
    def __init__(self) -> None:
        self._loaded: dict[str, Plugin] = {}

    def names(self) -> list[str]:
        return sorted({ep.name for ep in entry_points(group=PLUGIN_GROUP)})

    def _plugin(self, name: str) -> Plugin:
        if name not in self._loaded:
            found = [ep for ep in entry_points(group=PLUGIN_GROUP) if ep.name == name]
            if not found:
                raise LookupFailed("unavailable", f"модуль «{name}» не установлен")
            self._loaded[name] = cast(Plugin, found[0].load())
        return self._loaded[name]

    async def fetch(self, lookup: LookupDraft, key: KeyKind, value: str) -> list[dict[str, Any]]:
        rows = await self._plugin(lookup.plugin)(key.value, value, dict(lookup.options))
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise LookupFailed("bad_answer", "модуль вернул не список записей")
        return rows
