"""What a restart of the process ends honestly, and what the telephony keeps across it
(docs/operations.md, "What survives a restart")."""

from c122.services.restart.service import Recovered, RestartRecovery

__all__ = ["Recovered", "RestartRecovery"]
