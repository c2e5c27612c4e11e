// The voice prompts screen's calls and wording helpers: the list with where each prompt is played,
// uploads (a file or a microphone recording, both multipart), speech from text, the audio fetched
// with the session so the page can play it, and deletion.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type PromptItem = components["schemas"]["PromptListed"];
export type PromptUse = components["schemas"]["PromptUseOut"];

/** The longest text the server speaks (SpeechPromptIn.text). */
export const MAX_SPEECH_TEXT = 2000;

export async function listPrompts(): Promise<PromptItem[]> {
  return (await unwrap(api.GET("/api/v1/admin/prompts"))).items;
}

export async function uploadPrompt(name: string, title: string, file: Blob, filename: string): Promise<void> {
  const form = new FormData();
  form.append("name", name);
  form.append("title", title);
  form.append("file", file, filename);
  await unwrap(
    api.POST("/api/v1/admin/prompts", {
      body: { name, title, file: filename },
      bodySerializer: () => form,
    }),
  );
}

export async function synthesisePrompt(name: string, title: string, text: string): Promise<void> {
  await unwrap(api.POST("/api/v1/admin/prompts/tts", { body: { name, title, text } }));
}

export async function deletePrompt(name: string): Promise<void> {
  await unwrap(api.DELETE("/api/v1/admin/prompts/{name}", { params: { path: { name } } }));
}

/** The prompt's WAV as an object URL for an <audio> element; the caller revokes it. */
export async function promptAudioUrl(name: string): Promise<string> {
  const blob = await unwrap(
    api.GET("/api/v1/admin/prompts/{name}/audio", { params: { path: { name } }, parseAs: "blob" }),
  );
  return URL.createObjectURL(blob as Blob);
}

/** «Линия 122», узел main_menu: one place that plays a prompt. */
export function placeText(use: PromptUse): string {
  return `«${use.flow}», узел ${use.node}`;
}

export function durationText(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds.toFixed(1)} с`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} Б`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} КБ`;
  return `${(bytes / 1024 / 1024).toFixed(1)} МБ`;
}

/** The places of a refused delete (`flow/node/field`, flow names hold no "/") by flow:
 *  «Линия 122»: bye, menu. */
export function placesByFlow(paths: string[]): string[] {
  const nodes = new Map<string, Set<string>>();
  for (const path of paths) {
    const [flow = path, node = ""] = path.split("/");
    nodes.set(flow, (nodes.get(flow) ?? new Set()).add(node));
  }
  return [...nodes].map(([flow, names]) => `«${flow}»: ${[...names].join(", ")}`);
}
