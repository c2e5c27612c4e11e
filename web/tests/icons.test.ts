// @vitest-environment jsdom
// Icons are SVG components of one set (lucide): a character icon renders as an empty box where the
// system has no emoji or symbol font.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { h } from "vue";
import { TYPE_ICONS, typeIcon } from "@/features/cases/icons";
import type { components } from "@/shared/api/schema";

// Emoji and the symbol blocks that stand in for icons (arrows, technical symbols, enclosed
// characters, geometric shapes, dingbats, pictographs) and the emoji variation selector.
const ICON_CHARACTER =
  /[\u{2139}\u{2190}-\u{21FF}\u{2300}-\u{23FF}\u{2460}-\u{24FF}\u{25A0}-\u{27BF}\u{2900}-\u{2BFF}\u{1F000}-\u{1FAFF}\u{FE0F}]/u;

// jsdom gives this module an http import.meta.url, so the folder comes from __dirname.
const SOURCES = join(__dirname, "..", "src");

async function sourceFiles(): Promise<string[]> {
  const names = await readdir(SOURCES, { recursive: true });
  return names.filter((name) => /\.(vue|ts)$/.test(name) && !name.endsWith(".d.ts"));
}

describe("icons", () => {
  it("the pattern catches the character icons the app used to show", () => {
    for (const glyph of ["ℹ️", "💉", "🏠", "📅", "💬", "⚠️", "🚑", "📄", "⧉", "☰", "●", "▾", "↑", "↓", "✕"]) {
      expect(ICON_CHARACTER.test(glyph), glyph).toBe(true);
    }
    for (const text of ["Операторов в сети: 3", "«Внимание!» — *", "№ · 12:30"]) {
      expect(ICON_CHARACTER.test(text), text).toBe(false);
    }
  });

  it("no component, store or message text uses an emoji or symbol character", async () => {
    const found: string[] = [];
    for (const name of await sourceFiles()) {
      const lines = (await readFile(join(SOURCES, name), "utf8")).split("\n");
      lines.forEach((line, i) => {
        if (ICON_CHARACTER.test(line)) found.push(`src/${name}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it("no component's template tag names one of its own functions (it would be called on every render)", async () => {
    // <send /> resolves to a setup binding `send` before an imported `Send` icon: Vue then renders
    // the function as a component, so each re-render runs it (a message was sent on typing).
    const found: string[] = [];
    for (const name of (await sourceFiles()).filter((file) => file.endsWith(".vue"))) {
      const source = await readFile(join(SOURCES, name), "utf8");
      const script = source.split("<template>")[0] ?? "";
      const template = source.slice(script.length);
      for (const [, fn] of script.matchAll(/(?:function|const|let)\s+([a-z][A-Za-z0-9]*)\b/g)) {
        const tag = fn!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        // Native elements (<p>, <audio>) are never resolved to components.
        const native = !tag.includes("-") && !(document.createElement(tag) instanceof HTMLUnknownElement);
        if (!native && new RegExp(`<${tag}[\\s/>]`).test(template)) found.push(`src/${name}: <${tag}> is the function ${fn}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("every case type icon is an SVG component, and an unknown code falls back to «other»", () => {
    const codes: components["schemas"]["CaseTypeIcon"][] = [
      "info",
      "vaccine",
      "doctor_home",
      "appointment",
      "psychology",
      "complaint",
      "emergency",
      "other",
    ];
    expect(Object.keys(TYPE_ICONS).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const rendered = mount({ render: () => h(typeIcon(code)) });
      expect(rendered.find("svg").exists(), code).toBe(true);
      expect(rendered.text()).toBe("");
    }
    expect(typeIcon("something_new")).toBe(TYPE_ICONS.other);
  });
});
