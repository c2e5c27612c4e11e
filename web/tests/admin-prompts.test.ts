import { afterEach, describe, expect, it, vi } from "vitest";
import { durationText, placeText, placesByFlow, sizeText } from "@/features/admin/prompts";
import { MicrophoneError, startRecording, wavBlob } from "@/features/admin/recorder";

describe("prompt wording", () => {
  it("reads durations, sizes and places the way the list shows them", () => {
    expect(durationText(2340)).toBe("2.3 с");
    expect(durationText(125_000)).toBe("2:05");
    expect(sizeText(900)).toBe("900 Б");
    expect(sizeText(36_044)).toBe("35.2 КБ");
    expect(sizeText(3 * 1024 * 1024)).toBe("3.0 МБ");
    expect(placeText({ flow: "Линия 122", node: "main_menu", field: "prompt" })).toBe("«Линия 122», узел main_menu");
  });
});

describe("microphone recordings", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("become a 16-bit mono PCM WAV at the telephone rate", async () => {
    const blob = wavBlob(new Float32Array([0, 1, -1, 2]), 8000);
    const view = new DataView(await blob.arrayBuffer());
    const text = (at: number): string => String.fromCharCode(...new Uint8Array(view.buffer, at, 4));
    expect([text(0), text(8), text(36)]).toEqual(["RIFF", "WAVE", "data"]);
    expect([view.getUint16(22, true), view.getUint32(24, true), view.getUint16(34, true)]).toEqual([1, 8000, 16]);
    expect(view.getUint32(40, true)).toBe(8);
    expect([1, 2, 3, 4].map((n) => view.getInt16(42 + n * 2, true))).toEqual([0, 32767, -32767, 32767]);
  });

  it.each([
    ["NotAllowedError", "denied"],
    ["NotFoundError", "no_device"],
    ["AbortError", "unsupported"],
  ])("say why when the browser refuses the microphone (%s)", async (name, problem) => {
    // jsdom has no media devices: the browser's refusal is stood in for.
    vi.stubGlobal("MediaRecorder", class {});
    vi.stubGlobal("navigator", {
      mediaDevices: { getUserMedia: () => Promise.reject(new DOMException("no", name)) },
    });
    await expect(startRecording()).rejects.toEqual(new MicrophoneError(problem as "denied"));
  });

  it("say so when the browser cannot record at all", async () => {
    vi.stubGlobal("MediaRecorder", undefined);
    await expect(startRecording()).rejects.toMatchObject({ problem: "unsupported" });
  });
});

describe("a refused delete", () => {
  it("names the nodes flow by flow", () => {
    expect(placesByFlow(["Линия 122/bye/prompt", "Линия 122/menu/prompt", "Ночь/menu/timeout_prompt"])).toEqual([
      "«Линия 122»: bye, menu",
      "«Ночь»: menu",
    ]);
  });
});
