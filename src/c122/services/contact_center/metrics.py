"""What the contact centre counts for monitoring (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

#: Calls the ACD still held after they had ended, dropped by `reason`: `call_ended` (the call's own
#: clean-up could not tell the ACD), `offer_to_gone_call`, `reconciled` (the periodic check), or the
#: reason start-up recovery gives.
GONE_CALLS = Counter(
    "c122_acd_gone_calls_total", "Calls the ACD held after they had ended, dropped", ["reason"]
)
