// The journal's calls: a page of calls, the filters' choices and exports (a file at once, or a job).
import { api, unwrap } from "@/shared/api/client";
import { toApiError } from "@/shared/api/errors";
import type { components } from "@/shared/api/schema";
import {
  searchParams,
  type CallRow,
  type ExportFormat,
  type FilterChoices,
  type JournalQuery,
  type RecordedVideo,
  type RecordingSegment,
} from "./model";

export type ExportJob = components["schemas"]["ExportJobOut"];

export interface CallPage {
  items: CallRow[];
  next: string | null;
}

export type CallCount = components["schemas"]["CallCountOut"];

export async function listCalls(query: JournalQuery, after: string | null, limit = 50): Promise<CallPage> {
  const page = await unwrap(
    api.GET("/api/v1/calls", {
      params: { query: { ...query, limit, ...(after === null ? {} : { after }) } as never },
    }),
  );
  return { items: page.items, next: page.next ?? null };
}

/** How many calls the filters match: asked after the page is shown (counting may take longer). */
export async function countCalls(query: JournalQuery): Promise<CallCount> {
  return unwrap(api.GET("/api/v1/calls/count", { params: { query: query as never } }));
}

/** The conversations in a call's recording, in the file's order, with who was in each, and the legs
 * whose camera was recorded (a video call where the group records video). */
export async function recordingParts(
  callId: string,
): Promise<{ segments: RecordingSegment[]; videos: RecordedVideo[] }> {
  const call = await unwrap(api.GET("/api/v1/calls/{call_id}", { params: { path: { call_id: callId } } }));
  const roles = new Map(call.legs.map((leg) => [leg.leg_id, leg.role as string]));
  return {
    segments: call.recording_segments ?? [],
    videos: (call.video_legs ?? []).map((legId) => ({ legId, role: roles.get(legId) ?? "caller" })),
  };
}

export async function filterChoices(): Promise<FilterChoices> {
  return unwrap(api.GET("/api/v1/calls/filters"));
}

/** A small export arrives as the file itself (saved at once); a large one as a job to follow. */
export async function exportCalls(query: JournalQuery, format: ExportFormat): Promise<ExportJob | null> {
  const response = await fetch(`/api/v1/calls/export?${searchParams({ ...query, format })}`, {
    credentials: "same-origin",
  });
  if (response.status === 202) return (await response.json()) as ExportJob;
  if (!response.ok) throw toApiError(response, await response.json().catch(() => null));
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `calls.${format}`;
  save(await response.blob(), name);
  return null;
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
