import { describe, expect, it } from "vitest";
import {
  addBranch,
  addNode,
  connect,
  disconnect,
  edgesOf,
  layout,
  parseFlowJson,
  parseHolidays,
  parseIntervals,
  problemsByNode,
  removeNode,
  renameNode,
  type FlowDoc,
} from "@/features/ivr/graph";

function menuFlow(): FlowDoc {
  return {
    name: "Линия",
    entry: "menu",
    timezone: "Europe/Moscow",
    nodes: {
      menu: { type: "menu", prompt: "hello", branches: { "1": "queue" }, fallback: "bye" },
      queue: { type: "enqueue", queue: "1" },
      bye: { type: "hang_up" },
    },
  };
}

describe("the flow document as a graph", () => {
  it("reads edges from the nodes' fields and writes connections back into them", () => {
    const doc = menuFlow();
    expect(edgesOf(doc)).toEqual([
      { source: "menu", field: "branches.1", target: "queue" },
      { source: "menu", field: "fallback", target: "bye" },
    ]);
    const id = addNode(doc, "transfer");
    expect(id).toBe("transfer_1");
    addBranch(doc, "menu", "2");
    connect(doc, "menu", "branches.2", id);
    expect(doc.nodes.menu!.branches).toEqual({ "1": "queue", "2": "transfer_1" });
    disconnect(doc, "menu", "fallback");
    expect("fallback" in doc.nodes.menu!).toBe(false);
  });

  it("renames and removes nodes keeping the edges into them right", () => {
    const doc = menuFlow();
    expect(renameNode(doc, "queue", "general")).toBe(true);
    expect(doc.nodes.menu!.branches).toEqual({ "1": "general" });
    expect(renameNode(doc, "bye", "general")).toBe(false);
    expect(renameNode(doc, "bye", "1bad")).toBe(false);
    expect(renameNode(doc, "menu", "start")).toBe(true);
    expect(doc.entry).toBe("start");
    removeNode(doc, "general");
    expect(doc.nodes.start!.branches).toEqual({ "1": "" });
    expect(edgesOf(doc)).toEqual([{ source: "start", field: "fallback", target: "bye" }]);
  });

  it("lays nodes out by distance from the first one", () => {
    const doc = menuFlow();
    doc.nodes.orphan = { type: "hang_up" };
    const at = layout(doc);
    expect(at.menu!.y).toBe(0);
    expect(at.queue!.y).toBe(at.bye!.y);
    expect(at.orphan!.y).toBeGreaterThan(at.queue!.y);
  });

  it("splits the server's problems by node", () => {
    const { nodes, flow } = problemsByNode([
      { path: "nodes.menu.branches.3", code: "unknown_node", message: "нет узла «x»", node: "menu" },
      { path: "name", code: "required", message: "укажите название схемы" },
    ]);
    expect(Object.keys(nodes)).toEqual(["menu"]);
    expect(flow.map((f) => f.path)).toEqual(["name"]);
  });

  it("imports a flow JSON and refuses what is not one", () => {
    expect(parseFlowJson(JSON.stringify(menuFlow())).nodes.menu!.type).toBe("menu");
    expect(() => parseFlowJson("{")).toThrow("not_json");
    expect(() => parseFlowJson("[]")).toThrow("not_flow");
    expect(() => parseFlowJson('{"nodes": {"a": {"type": "dance"}}}')).toThrow("bad_node");
  });

  it("reads schedules typed as text, passing a malformed interval on for the server to name", () => {
    expect(parseIntervals("09:00-18:00, 19:00 - 21:00")).toEqual([
      ["09:00", "18:00"],
      ["19:00", "21:00"],
    ]);
    expect(parseIntervals("9")).toEqual([["9", ""]]);
    expect(parseHolidays("2027-01-01\n2027-01-08 10:00-14:00\n")).toEqual([
      { date: "2027-01-01" },
      { date: "2027-01-08", hours: [["10:00", "14:00"]] },
    ]);
  });
});

describe("the callback-offer node", () => {
  it("comes with the server's defaults and one way out, declined", () => {
    const doc = menuFlow();
    const id = addNode(doc, "callback_offer");
    expect(doc.nodes[id]).toEqual({ type: "callback_offer", prompt: "", accept_key: "1", priority: 0, timeout_s: 5 });
    connect(doc, id, "declined", "queue");
    expect(edgesOf(doc).filter((edge) => edge.source === id)).toEqual([{ source: id, field: "declined", target: "queue" }]);
    expect(parseFlowJson(JSON.stringify(doc)).nodes[id]?.type).toBe("callback_offer");
  });
});
