"""Registrations kept in the database: written on every accepted REGISTER, loaded on start with the
time each binding had left, so operators' phones get calls after a restart without registering again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from c122.services.restart.ports import StoredRegistration, TelephonyStateStore
from c122.telephony.sip.coalescing_writer import CoalescingWriter
from c122.telephony.sip.flows import Source
from c122.telephony.sip.registrar import Binding, Registrar
from c122.telephony.sip.uri import SipUri


class KeptRegistrations:
    def __init__(self, registrar: Registrar, store: TelephonyStateStore) -> None:
        self._registrar = registrar
        self._store = store
        self._writer: CoalescingWriter[str, list[StoredRegistration]] = CoalescingWriter(
            self._write, "SIP registration"
        )
        registrar.on_change = self._changed

    async def load(self) -> int:
        """Puts the stored bindings not yet expired back into the registrar; returns how many."""
        now = datetime.now(UTC)
        restored = 0
        for row in await self._store.live_registrations(now):
            left = (row.expires_at - now).total_seconds()
            source = Source(row.source_transport, row.source_host, row.source_port)
            binding = Binding(
                row.account, SipUri.parse(row.contact), 0.0, row.call_id, row.cseq, source, row.q
            )
            self._registrar.restore(binding, left)
            restored += 1
        return restored

    async def close(self) -> None:
        await self._writer.close()

    def _changed(self, account: str, bindings: list[Binding]) -> None:
        now = datetime.now(UTC)
        self._writer.put(account, [self._stored(binding, now) for binding in bindings])

    def _stored(self, binding: Binding, now: datetime) -> StoredRegistration:
        source = binding.source
        return StoredRegistration(
            account=binding.account,
            contact=str(binding.contact),
            expires_at=now + timedelta(seconds=self._registrar.expires_in(binding)),
            call_id=binding.call_id,
            cseq=binding.cseq,
            source_transport=source.transport,
            source_host=source.host,
            source_port=source.port,
            q=binding.q,
        )

    async def _write(self, batch: Mapping[str, list[StoredRegistration]]) -> None:
        await self._store.save_registrations(batch)
