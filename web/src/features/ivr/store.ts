// The IVR editor's state: the open flow's document (the JSON the server stores), its versions, the
// problems of the last save by node, the selection, and where each node sits on the canvas. Node
// positions are not part of the flow: they are kept in this browser per flow, laid out afresh otherwise.
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import {
  createFlow,
  docOf,
  getFlow,
  listFlows,
  rollbackFlow,
  saveFlow,
  type FlowOut,
  type FlowSummary,
} from "@/features/ivr/api";
import {
  addNode,
  cloneDoc,
  flowJson,
  layout,
  problemsByNode,
  removeNode,
  renameNode,
  type FlowDoc,
  type NodeKind,
  type Position,
} from "@/features/ivr/graph";
import { ApiError, type FieldError } from "@/shared/api/errors";

const LAYOUT_KEY = "c122.ivr.layout.";

function storedLayout(name: string): Record<string, Position> {
  try {
    const raw = localStorage.getItem(LAYOUT_KEY + name);
    return raw ? (JSON.parse(raw) as Record<string, Position>) : {};
  } catch {
    return {};
  }
}

export const useIvrEditorStore = defineStore("ivrEditor", () => {
  const flows = ref<FlowSummary[]>([]);
  const flow = ref<FlowOut | null>(null);
  const doc = ref<FlowDoc | null>(null);
  const savedJson = ref("");
  /** The version opened from the history, when it is not the latest. */
  const viewing = ref<number | null>(null);
  const problems = ref<FieldError[]>([]);
  const selectedNode = ref<string | null>(null);
  const selectedEdge = ref<{ source: string; field: string } | null>(null);
  const positions = ref<Record<string, Position>>({});
  /** Nodes the last «try it» went through, to mark them on the canvas. */
  const tried = ref<string[]>([]);

  const dirty = computed(() => doc.value !== null && flowJson(doc.value) !== savedJson.value);
  const byNode = computed(() => problemsByNode(problems.value));

  async function refreshList(): Promise<void> {
    flows.value = await listFlows();
  }

  function show(out: FlowOut, asDoc: FlowDoc = docOf(out)): void {
    flow.value = out;
    doc.value = asDoc;
    savedJson.value = flowJson(docOf(out));
    viewing.value = out.version === out.latest_version ? null : out.version;
    problems.value = [];
    selectedNode.value = null;
    selectedEdge.value = null;
    tried.value = [];
    positions.value = { ...layout(asDoc), ...storedLayout(out.name) };
  }

  async function open(name: string, version?: number): Promise<void> {
    show(await getFlow(name, version));
  }

  /** A new flow not stored yet: one message node to start from. */
  function startNew(name: string): void {
    flow.value = null;
    const fresh: FlowDoc = { name, entry: "", timezone: "Europe/Moscow", nodes: {} };
    addNode(fresh, "hang_up");
    doc.value = fresh;
    savedJson.value = "";
    viewing.value = null;
    problems.value = [];
    tried.value = [];
    positions.value = layout(fresh);
    selectedNode.value = fresh.entry;
  }

  /** Saves the document as the next version; false with the problems by node when refused. */
  async function save(): Promise<boolean> {
    if (!doc.value) return false;
    try {
      const out = flow.value === null ? await createFlow(doc.value) : await saveFlow(doc.value);
      const kept = positions.value;
      show(out);
      positions.value = { ...positions.value, ...kept };
      await refreshList();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.fields.length > 0) {
        problems.value = error.fields;
        return false;
      }
      throw error;
    }
  }

  async function rollback(version: number): Promise<FlowOut | null> {
    if (!flow.value) return null;
    try {
      const out = await rollbackFlow(flow.value.name, version);
      show(out);
      await refreshList();
      return out;
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.fields.length > 0) {
        problems.value = error.fields;
        return null;
      }
      throw error;
    }
  }

  /** An imported document replaces the one on the canvas; it is saved under the open flow's name. */
  function load(imported: FlowDoc): void {
    if (!doc.value) return;
    doc.value = { ...imported, name: doc.value.name };
    problems.value = [];
    tried.value = [];
    selectedNode.value = null;
    positions.value = layout(doc.value);
  }

  function add(kind: NodeKind): string | null {
    if (!doc.value) return null;
    const id = addNode(doc.value, kind);
    const lowest = Math.max(0, ...Object.values(positions.value).map((p) => p.y));
    positions.value = { ...positions.value, [id]: { x: 0, y: lowest + 170 } };
    selectedNode.value = id;
    selectedEdge.value = null;
    return id;
  }

  function remove(id: string): void {
    if (!doc.value) return;
    removeNode(doc.value, id);
    if (selectedNode.value === id) selectedNode.value = null;
  }

  function rename(from: string, to: string): boolean {
    if (!doc.value || !renameNode(doc.value, from, to)) return false;
    const { [from]: at, ...rest } = positions.value;
    positions.value = at ? { ...rest, [to]: at } : rest;
    if (selectedNode.value === from) selectedNode.value = to;
    return true;
  }

  function move(id: string, position: Position): void {
    positions.value = { ...positions.value, [id]: position };
    const name = doc.value?.name;
    if (name) {
      try {
        localStorage.setItem(LAYOUT_KEY + name, JSON.stringify(positions.value));
      } catch {
        // A full or disabled storage only loses the arrangement, never the flow.
      }
    }
  }

  function snapshot(): FlowDoc | null {
    return doc.value ? cloneDoc(doc.value) : null;
  }

  return {
    flows,
    flow,
    doc,
    viewing,
    problems,
    byNode,
    selectedNode,
    selectedEdge,
    positions,
    tried,
    dirty,
    refreshList,
    open,
    startNew,
    save,
    rollback,
    load,
    add,
    remove,
    rename,
    move,
    snapshot,
  };
});
