// The message board (SUP-05) as the server types it (docs/contact-center/messages.md, «Message board»).
import type { Notice } from "@/shared/events/protocol";

export type { Notice };

/** The longest notice text (the server refuses longer ones with 422). */
export const MAX_NOTICE_TEXT = 2000;

export interface NoticeDraft {
  text: string;
  group_ids: number[];
  /** ISO 8601 with the zone, or null: pinned until unpinned. */
  expires_at: string | null;
}

/** What keeps a draft from being sent, in the words' keys of `board.*`; empty when it can go. */
export function draftProblems(draft: NoticeDraft, nowMs: number): string[] {
  const problems: string[] = [];
  const length = draft.text.trim().length;
  if (length === 0) problems.push("board.textNeeded");
  if (length > MAX_NOTICE_TEXT) problems.push("board.tooLong");
  if (draft.group_ids.length === 0) problems.push("board.groupNeeded");
  if (draft.expires_at !== null && Date.parse(draft.expires_at) <= nowMs) problems.push("board.expiryPast");
  return problems;
}

/** A senior changes a notice only when every group it is for is theirs (the server says the same). */
export function mayChange(notice: Notice, myGroups: readonly number[], isAdmin: boolean): boolean {
  return isAdmin || notice.group_ids.every((g) => myGroups.includes(g));
}

/** The draft of an existing notice, for editing it. */
export function draftOf(notice: Notice): NoticeDraft {
  return { text: notice.text, group_ids: [...notice.group_ids], expires_at: notice.expires_at };
}
