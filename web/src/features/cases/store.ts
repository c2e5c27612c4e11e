import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api, unwrap } from "@/shared/api/client";
import { ApiError } from "@/shared/api/errors";
import type { CaseType } from "@/shared/api/types";
import {
  applyCase,
  displayName,
  type CaseCard,
  type CaseStatus,
  type CaseSummary,
  type FieldClash,
  type ListFilter,
  type ListState,
  type Script,
} from "@/features/cases/model";

const PAGE = 50;

/** What the card area shows of the call a card was opened for (fig. 39). */
export interface CallInfo {
  caller: string;
  serviceNumber: string;
  serviceName: string;
  groupName: string;
  /** when this desk began to ring or received the call (Date.now() scale) */
  since: number;
  /** who put the call through to this operator (null: it rang here): the desk holds it while on a call */
  from: string | null;
}

export interface CallCard extends CallInfo {
  callId: string;
  caseId: number;
}

/** The other operator's newer card after a 409, with what clashed: the card area offers reload. */
export interface EditConflictState {
  clashes: FieldClash[];
  current: CaseCard | null;
}

function conflictOf(error: unknown): EditConflictState | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  return { clashes: [], current: null };
}

/** Zone 2 (the card list, live) and zone 3 (the open card) of the workstation. */
export const useCasesStore = defineStore("cases", () => {
  const filter = ref<ListFilter>({ time: "all", status: "any", typeId: null, q: "" });
  const list = shallowRef<ListState>({ items: [], total: 0 });
  const capped = ref(false);
  const loading = ref(false);
  const types = ref<CaseType[]>([]);
  const card = shallowRef<CaseCard | null>(null);
  const scripts = shallowRef<Script[]>([]);
  const conflict = shallowRef<EditConflictState | null>(null);
  /** The card of the call ringing or talked on this desk (TEL-14): the card area shows the call on it. */
  const callCard = shallowRef<CallCard | null>(null);
  /** A type picked in the open card and not saved yet: the list marks the card `*` meanwhile. */
  const pendingType = shallowRef<{ caseId: number; typeId: number } | null>(null);
  let listRequest = 0;

  const hasMore = computed(() => list.value.items.length < list.value.total);

  async function loadTypes(): Promise<void> {
    types.value = (await unwrap(api.GET("/api/v1/case-types"))).items;
  }

  function query(offset: number) {
    const f = filter.value;
    return {
      q: f.q.trim() || undefined,
      status: f.status,
      period: f.time,
      type: f.typeId ?? undefined,
      limit: PAGE,
      offset,
    };
  }

  /** The first page for the current filter; an older answer arriving late is ignored. */
  async function reload(): Promise<void> {
    const mine = ++listRequest;
    loading.value = true;
    try {
      const page = await unwrap(api.GET("/api/v1/cases", { params: { query: query(0) } }));
      if (mine !== listRequest) return;
      list.value = { items: page.items, total: page.total };
      capped.value = page.total_capped ?? false;
    } finally {
      if (mine === listRequest) loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    const mine = listRequest;
    const page = await unwrap(api.GET("/api/v1/cases", { params: { query: query(list.value.items.length) } }));
    if (mine !== listRequest) return;
    const known = new Set(list.value.items.map((item) => item.id));
    list.value = { items: [...list.value.items, ...page.items.filter((i) => !known.has(i.id))], total: page.total };
  }

  async function setFilter(next: Partial<ListFilter>): Promise<void> {
    filter.value = { ...filter.value, ...next };
    await reload();
  }

  /** Responses can cross: a reload started for an older live event must not undo a newer save. */
  function isOlder(incoming: CaseCard, current: CaseCard | null): boolean {
    return current !== null && current.case.id === incoming.case.id && incoming.case.version < current.case.version;
  }

  /** A live `case.*` summary: the list follows it, and so does the open card's header. */
  function applyLive(summary: CaseSummary, now: number = Date.now()): void {
    if (filter.value.q.trim() === "") {
      list.value = applyCase(list.value, summary, filter.value, now);
    } else if (list.value.items.some((item) => item.id === summary.id)) {
      void reload();
    }
    const open = card.value;
    if (open !== null && open.case.id === summary.id && summary.version > open.case.version) {
      void open_(summary.id);
    }
  }

  async function open_(caseId: number): Promise<void> {
    if (pendingType.value !== null && pendingType.value.caseId !== caseId) pendingType.value = null;
    const loaded = await unwrap(api.GET("/api/v1/cases/{case_id}", { params: { path: { case_id: caseId } } }));
    if (isOlder(loaded, card.value)) return; // a save answered meanwhile with a newer version
    card.value = loaded;
    conflict.value = null;
    list.value = applyCase(list.value, loaded.case, filter.value, Date.now());
    if (scripts.value[0]?.case_type_id !== loaded.case.type_id) {
      scripts.value = await unwrap(
        api.GET("/api/v1/case-types/{case_type_id}/scripts", {
          params: { path: { case_type_id: loaded.case.type_id } },
        }),
      );
    }
  }

  function close(): void {
    card.value = null;
    conflict.value = null;
  }

  /**
   * Opens the card of a call (ringing, or transferred to this operator). A call without a card (an
   * internal call, a line without a default type) leaves the open card as it is.
   */
  async function openByCall(callId: string, info: CallInfo): Promise<boolean> {
    const { data, response } = await api.GET("/api/v1/cases/by-call/{call_id}", { params: { path: { call_id: callId } } });
    if (response.status === 404 || data === undefined) return false;
    callCard.value = { ...info, callId, caseId: data.case.id, caller: info.caller || data.case.applicant_phone };
    await open_(data.case.id);
    return true;
  }

  /** The type picked in the open card (null: back to the stored one). */
  function pickType(typeId: number | null): void {
    const open = card.value;
    pendingType.value = open === null || typeId === null || typeId === open.case.type_id ? null : { caseId: open.case.id, typeId };
  }

  /** The list's title of a card: `*` once its type was changed, or while a new type waits to be saved. */
  function titleOf(summary: CaseSummary): string {
    return displayName(summary, pendingType.value?.caseId === summary.id);
  }

  async function create(body: Record<string, unknown>): Promise<CaseCard> {
    const created = await unwrap(
      api.POST("/api/v1/cases", { body: body as { type_id: number } }),
    );
    list.value = applyCase(list.value, created.case, filter.value, Date.now());
    await open_(created.case.id);
    return created;
  }

  function adopt(updated: CaseCard): void {
    if (isOlder(updated, card.value)) return;
    card.value = updated;
    list.value = applyCase(list.value, updated.case, filter.value, Date.now());
  }

  /** Saves changed case fields against the loaded version; a clash fills `conflict`. */
  async function saveDetails(changes: Record<string, unknown>): Promise<boolean> {
    const open = card.value;
    if (open === null) return false;
    const base: Record<string, unknown> = {};
    const stored: Record<string, unknown> = open;
    for (const key of Object.keys(changes)) base[key] = key === "type_id" ? open.case.type_id : stored[key];
    const { data, error, response } = await api.PATCH("/api/v1/cases/{case_id}", {
      params: { path: { case_id: open.case.id } },
      body: { version: open.case.version, changes, base },
    });
    if (response.status === 409) {
      const body = error !== undefined && "clashes" in error ? error : null;
      conflict.value = { clashes: body?.clashes ?? [], current: body?.current ?? null };
      return false;
    }
    adopt(await unwrap(Promise.resolve({ data, error, response })));
    if (pendingType.value?.caseId === open.case.id) pendingType.value = null;
    return true;
  }

  async function setStatus(change: { status?: CaseStatus; attention?: boolean }): Promise<void> {
    const open = card.value;
    if (open === null) return;
    adopt(
      await unwrap(
        api.PUT("/api/v1/cases/{case_id}/status", { params: { path: { case_id: open.case.id } }, body: change }),
      ),
    );
  }

  async function saveApplicant(changes: Record<string, unknown>): Promise<boolean> {
    const open = card.value;
    const applicant = open?.applicant;
    if (open === null || applicant === null || applicant === undefined) return false;
    const stored: Record<string, unknown> = applicant;
    const base = Object.fromEntries(Object.keys(changes).map((key) => [key, stored[key]]));
    try {
      await unwrap(
        api.PATCH("/api/v1/applicants/{applicant_id}", {
          params: { path: { applicant_id: applicant.id } },
          body: { version: applicant.version, changes, base },
        }),
      );
    } catch (error) {
      const clash = conflictOf(error);
      if (clash === null) throw error;
      conflict.value = clash;
      return false;
    }
    await open_(open.case.id);
    return true;
  }

  async function answer(scriptId: number, scriptVersion: number, answers: Record<string, unknown>): Promise<void> {
    const open = card.value;
    if (open === null) return;
    adopt(
      await unwrap(
        api.POST("/api/v1/cases/{case_id}/answers", {
          params: { path: { case_id: open.case.id } },
          body: { script_id: scriptId, script_version: scriptVersion, answers },
        }),
      ),
    );
  }

  return {
    filter,
    list,
    capped,
    loading,
    types,
    card,
    scripts,
    conflict,
    callCard,
    pendingType,
    hasMore,
    loadTypes,
    reload,
    loadMore,
    setFilter,
    applyLive,
    open: open_,
    openByCall,
    pickType,
    titleOf,
    close,
    create,
    saveDetails,
    setStatus,
    saveApplicant,
    answer,
  };
});
