"""One source for the service: each lookup goes to the adapter of its kind."""

from __future__ import annotations

from typing import Any

from c122.channels.lookups.http import HttpLookups
from c122.channels.lookups.plugins import PluginLookups
from c122.channels.lookups.sql import SqlLookups
from c122.domain.lookups import KeyKind, LookupDraft, LookupKind


class LookupSources:
    def __init__(self) -> None:
        self._http = HttpLookups()
        self._sql = SqlLookups()
        self._plugins = PluginLookups()

    async def fetch(self, lookup: LookupDraft, key: KeyKind, value: str) -> list[dict[str, Any]]:
        if lookup.kind is LookupKind.HTTP:
            return await self._http.fetch(lookup, key, value)
        if lookup.kind is LookupKind.SQL:
            return await self._sql.fetch(lookup, key, value)
        return await self._plugins.fetch(lookup, key, value)

    def plugins(self) -> list[str]:
        return self._plugins.names()

    async def close(self) -> None:
        await self._http.close()
        await self._sql.close()
