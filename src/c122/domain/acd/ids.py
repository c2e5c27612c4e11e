"""Identifiers used across the ACD rules; plain strings so rows and wire payloads carry them as they are."""

from __future__ import annotations

from typing import TypeAlias

CallId: TypeAlias = str
OperatorId: TypeAlias = str
QueueId: TypeAlias = str
GroupId: TypeAlias = str
