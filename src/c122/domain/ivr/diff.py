"""What changed between two versions of a flow, node by node and edge by edge, for the editor's
version history. Nodes are compared in their JSON form, so a field is named as in the flow document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from c122.domain.ivr.codec import node_to_dict
from c122.domain.ivr.nodes import Flow, edges


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class NodeChange:
    node: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    """A way out of `source` (its field, e.g. `branches.1` or `fallback`) into `target`."""

    source: str
    field: str
    target: str


@dataclass(frozen=True, slots=True)
class FlowDiff:
    entry: tuple[str, str] | None
    """(before, after) when the first node changed."""
    timezone: tuple[str, str] | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[NodeChange, ...]
    edges_added: tuple[Edge, ...]
    edges_removed: tuple[Edge, ...]

    @property
    def empty(self) -> bool:
        return not (
            self.entry
            or self.timezone
            or self.added
            or self.removed
            or self.changed
            or self.edges_added
            or self.edges_removed
        )


def diff_flows(before: Flow, after: Flow) -> FlowDiff:
    old = {node_id: node_to_dict(node) for node_id, node in before.nodes.items()}
    new = {node_id: node_to_dict(node) for node_id, node in after.nodes.items()}
    changed = []
    for node_id in sorted(old.keys() & new.keys()):
        changes = _field_changes(old[node_id], new[node_id])
        if changes:
            changed.append(NodeChange(node_id, changes))
    old_edges, new_edges = _edges(before), _edges(after)
    return FlowDiff(
        entry=(before.entry, after.entry) if before.entry != after.entry else None,
        timezone=(before.timezone, after.timezone) if before.timezone != after.timezone else None,
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        changed=tuple(changed),
        edges_added=tuple(e for e in new_edges if e not in old_edges),
        edges_removed=tuple(e for e in old_edges if e not in new_edges),
    )


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    out = []
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) != after.get(name):
            out.append(FieldChange(name, before.get(name), after.get(name)))
    return tuple(out)


def _edges(flow: Flow) -> list[Edge]:
    return [
        Edge(node_id, field, target) for node_id, node in flow.nodes.items() for field, target in edges(node)
    ]
