// The IVR flow document as the editor edits it: the server's JSON form (flow_to_dict) kept as is, with
// the graph's edges read from and written into the nodes' own fields (next, fallback, branches.<key>,
// open/closed/holiday, declined). Nothing here talks to the server; the canvas and the panels call these.
import type { FieldError } from "@/shared/api/errors";

export const NODE_KINDS = [
  "play",
  "menu",
  "collect",
  "schedule",
  "set_case_type",
  "enqueue",
  "transfer",
  "hang_up",
  "callback_offer",
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export type NodeDoc = { type: NodeKind } & Record<string, unknown>;

export interface FlowDoc {
  name: string;
  entry: string;
  timezone: string;
  nodes: Record<string, NodeDoc>;
}

export interface GraphEdge {
  source: string;
  /** The source node's field holding the target: next, fallback, branches.1, open… */
  field: string;
  target: string;
}

export type Position = { x: number; y: number };

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const NODE_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function isKind(value: unknown): value is NodeKind {
  return typeof value === "string" && (NODE_KINDS as readonly string[]).includes(value);
}

export function isValidId(id: string): boolean {
  return NODE_ID.test(id);
}

/** A new node with the server's defaults written out, so the properties panel shows them. */
export function newNode(kind: NodeKind): NodeDoc {
  switch (kind) {
    case "menu":
      return { type: kind, prompt: "", branches: {}, timeout_s: 5, max_retries: 2 };
    case "collect":
      return {
        type: kind,
        prompt: "",
        variable: "digits",
        min_length: 1,
        max_length: 16,
        terminator: "#",
        timeout_s: 7,
        max_retries: 2,
      };
    case "schedule": {
      const weekly = Object.fromEntries(WEEKDAYS.slice(0, 5).map((day) => [day, [["09:00", "18:00"]]]));
      return { type: kind, schedule: { weekly, holidays: [] } };
    }
    case "play":
      return { type: kind, prompt: "" };
    case "enqueue":
      return { type: kind, priority: 0 };
    case "callback_offer":
      return { type: kind, prompt: "", accept_key: "1", priority: 0, timeout_s: 5 };
    default:
      return { type: kind };
  }
}

function branchesOf(node: NodeDoc): Record<string, string> {
  const raw = node.branches;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, typeof value === "string" ? value : ""]));
}

/** Every way out the node's kind has, connected or not, in the order the node shows them. */
export function outputs(node: NodeDoc): string[] {
  switch (node.type) {
    case "play":
    case "set_case_type":
      return ["next"];
    case "collect":
      return ["next", "fallback"];
    case "callback_offer":
      return ["declined"];
    case "schedule":
      return ["open", "closed", "holiday"];
    case "menu":
      return [
        ...Object.keys(branchesOf(node))
          .sort()
          .map((key) => `branches.${key}`),
        "fallback",
      ];
    default:
      return [];
  }
}

export function targetOf(node: NodeDoc, field: string): string {
  if (field.startsWith("branches.")) return branchesOf(node)[field.slice("branches.".length)] ?? "";
  const value = node[field];
  return typeof value === "string" ? value : "";
}

export function edgesOf(doc: FlowDoc): GraphEdge[] {
  return Object.entries(doc.nodes).flatMap(([source, node]) =>
    outputs(node)
      .map((field) => ({ source, field, target: targetOf(node, field) }))
      .filter((edge) => edge.target !== ""),
  );
}

/** Points the node's way out `field` at `target`; an empty target removes the way out. */
export function connect(doc: FlowDoc, source: string, field: string, target: string): void {
  const node = doc.nodes[source];
  if (!node) return;
  if (field.startsWith("branches.")) {
    const branches = branchesOf(node);
    branches[field.slice("branches.".length)] = target;
    node.branches = branches;
  } else if (target === "") {
    delete node[field];
  } else {
    node[field] = target;
  }
}

/** Removes an edge. A menu key keeps its place with no target, so the node still shows it. */
export function disconnect(doc: FlowDoc, source: string, field: string): void {
  connect(doc, source, field, "");
}

export function addBranch(doc: FlowDoc, source: string, key: string): void {
  const node = doc.nodes[source];
  if (!node || node.type !== "menu") return;
  const branches = branchesOf(node);
  if (!(key in branches)) branches[key] = "";
  node.branches = branches;
}

export function removeBranch(doc: FlowDoc, source: string, key: string): void {
  const node = doc.nodes[source];
  if (!node) return;
  const branches = branchesOf(node);
  delete branches[key];
  node.branches = branches;
}

/** A free id for a new node of the kind: menu_1, menu_2… */
export function freeId(doc: FlowDoc, kind: NodeKind): string {
  for (let n = 1; ; n += 1) {
    const id = `${kind}_${n}`;
    if (!(id in doc.nodes)) return id;
  }
}

export function addNode(doc: FlowDoc, kind: NodeKind): string {
  const id = freeId(doc, kind);
  doc.nodes[id] = newNode(kind);
  if (!doc.entry || !(doc.entry in doc.nodes)) doc.entry = id;
  return id;
}

/** Removes the node and every edge into it; the first node moves to another one when it was this. */
export function removeNode(doc: FlowDoc, id: string): void {
  delete doc.nodes[id];
  for (const edge of edgesOf(doc)) if (edge.target === id) disconnect(doc, edge.source, edge.field);
  if (doc.entry === id) doc.entry = Object.keys(doc.nodes)[0] ?? "";
}

/** Renames a node, repointing every edge into it; false when the new id is taken or not an id. */
export function renameNode(doc: FlowDoc, from: string, to: string): boolean {
  const node = doc.nodes[from];
  if (!node || from === to || to in doc.nodes || !isValidId(to)) return false;
  const incoming = edgesOf(doc).filter((edge) => edge.target === from);
  const renamed: Record<string, NodeDoc> = {};
  for (const [id, value] of Object.entries(doc.nodes)) renamed[id === from ? to : id] = value;
  doc.nodes = renamed;
  for (const edge of incoming) connect(doc, edge.source === from ? to : edge.source, edge.field, to);
  if (doc.entry === from) doc.entry = to;
  return true;
}

const COLUMN = 250;
const ROW = 170;

/** Positions by distance from the first node (breadth first); nodes it cannot reach go below. */
export function layout(doc: FlowDoc): Record<string, Position> {
  const depth = new Map<string, number>();
  const order: string[] = [];
  if (doc.entry in doc.nodes) {
    depth.set(doc.entry, 0);
    order.push(doc.entry);
  }
  const edges = edgesOf(doc);
  for (let i = 0; i < order.length; i += 1) {
    const id = order[i]!;
    for (const edge of edges) {
      if (edge.source === id && edge.target in doc.nodes && !depth.has(edge.target)) {
        depth.set(edge.target, depth.get(id)! + 1);
        order.push(edge.target);
      }
    }
  }
  const last = Math.max(-1, ...depth.values());
  for (const id of Object.keys(doc.nodes)) if (!depth.has(id)) depth.set(id, last + 1);
  const rows = new Map<number, string[]>();
  for (const [id, row] of depth) rows.set(row, [...(rows.get(row) ?? []), id]);
  const out: Record<string, Position> = {};
  for (const [row, ids] of rows) {
    ids.forEach((id, column) => {
      out[id] = { x: (column - (ids.length - 1) / 2) * COLUMN, y: row * ROW };
    });
  }
  return out;
}

/** The server's problems split into those of a node (by the node it names) and those of the flow. */
export function problemsByNode(fields: FieldError[]): { nodes: Record<string, FieldError[]>; flow: FieldError[] } {
  const nodes: Record<string, FieldError[]> = {};
  const flow: FieldError[] = [];
  for (const field of fields) {
    if (field.node) (nodes[field.node] ??= []).push(field);
    else flow.push(field);
  }
  return { nodes, flow };
}

/** The field a problem is about inside its node: `nodes.menu.branches.1` gives `branches.1`. */
export function fieldOfProblem(field: FieldError): string {
  if (!field.node) return field.path;
  return field.path.slice(`nodes.${field.node}`.length).replace(/^\./, "");
}

export class FlowJsonError extends Error {}

/** An imported document: the flow JSON as exported (extra keys of the server's answer are dropped). */
export function parseFlowJson(text: string): FlowDoc {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FlowJsonError("not_json");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new FlowJsonError("not_flow");
  const record = data as Record<string, unknown>;
  const nodes = record.nodes;
  if (typeof nodes !== "object" || nodes === null || Array.isArray(nodes)) throw new FlowJsonError("not_flow");
  const parsed: Record<string, NodeDoc> = {};
  for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
    if (typeof node !== "object" || node === null || !isKind((node as { type?: unknown }).type)) {
      throw new FlowJsonError("bad_node");
    }
    parsed[id] = { ...(node as NodeDoc) };
  }
  return {
    name: typeof record.name === "string" ? record.name : "",
    entry: typeof record.entry === "string" ? record.entry : "",
    timezone: typeof record.timezone === "string" ? record.timezone : "Europe/Moscow",
    nodes: parsed,
  };
}

/** The document as exported and saved: the flow JSON, nodes in a stable order. */
export function flowJson(doc: FlowDoc): string {
  return JSON.stringify({ name: doc.name, entry: doc.entry, timezone: doc.timezone, nodes: doc.nodes }, null, 2);
}

export function cloneDoc(doc: FlowDoc): FlowDoc {
  return JSON.parse(JSON.stringify(doc)) as FlowDoc;
}

// --- schedules as text: «09:00-18:00, 19:00-21:00» per day, «2027-01-01 10:00-14:00» per holiday line

export function intervalsText(value: unknown): string {
  if (!Array.isArray(value)) return "";
  return value.map((pair) => (Array.isArray(pair) ? pair.join("-") : String(pair))).join(", ");
}

/** Intervals typed as text; a malformed one is passed on as typed for the server to name. */
export function parseIntervals(text: string): string[][] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [start = "", end = ""] = part.split("-").map((s) => s.trim());
      return [start, end];
    });
}

export interface HolidayDoc {
  date: string;
  hours?: string[][];
}

export function holidaysText(value: unknown): string {
  if (!Array.isArray(value)) return "";
  return value
    .map((item: HolidayDoc) => [item.date, intervalsText(item.hours ?? [])].filter((s) => s).join(" "))
    .join("\n");
}

export function parseHolidays(text: string): HolidayDoc[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [date = "", ...rest] = line.split(/\s+/);
      const hours = parseIntervals(rest.join(" "));
      return hours.length > 0 ? { date, hours } : { date };
    });
}
