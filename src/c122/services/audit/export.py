"""The audit trail as a CSV file (UTF-8 with BOM so spreadsheet programs read Cyrillic)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from c122.domain.audit import StoredAuditEntry

HEADER = ("id", "at", "actor_id", "actor_login", "action", "entity", "entity_id", "detail")


def audit_csv(entries: Iterable[StoredAuditEntry]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for entry in entries:
        writer.writerow(
            (
                entry.id,
                entry.at.isoformat(),
                "" if entry.actor_id is None else entry.actor_id,
                entry.actor_login or "",
                entry.action,
                entry.entity,
                entry.entity_id,
                json.dumps(dict(entry.detail), ensure_ascii=False, sort_keys=True) if entry.detail else "",
            )
        )
    return out.getvalue()
