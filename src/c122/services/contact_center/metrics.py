"""What the contact centre counts for monitoring (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

#: Calls the ACD still held after they had ended, dropped, by `reason` (the call flow's are listed in
#: docs/contact-center/call-flow.md, "Where a call ends"; start-up recovery gives its own).
GONE_CALLS = Counter(
    "c122_acd_gone_calls_total", "Calls the ACD held after they had ended, dropped", ["reason"]
)
