// The journal screen's state: the filters applied, the calls loaded page after page (keyset: each page
// starts after the last call shown), the filters' choices, and the background exports in progress.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import type { ExportProgress } from "@/shared/events/protocol";
import { useRealtimeStore } from "@/shared/realtime/store";
import { countCalls, exportCalls, filterChoices, listCalls, type CallCount, type ExportJob } from "./api";
import { emptyFilters, toQuery, type CallRow, type ExportFormat, type FilterChoices, type JournalFilters } from "./model";

export interface ExportEntry {
  id: string;
  format: ExportFormat;
  status: ExportProgress["status"];
  rows: number;
  expected: number;
  url: string | null;
  /** Why it failed (`interrupted_by_restart`: a restart stopped it and it cannot be written again). */
  error: string | null;
  /** Written again from the start after a restart of the server. */
  resumed: boolean;
}

export const useJournalStore = defineStore("journal", () => {
  const filters = ref<JournalFilters>(emptyFilters());
  const rows = shallowRef<CallRow[]>([]);
  /** How many calls match the filters applied; null while it is being counted. */
  const count = shallowRef<CallCount | null>(null);
  const next = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const choices = shallowRef<FilterChoices | null>(null);
  const exports = ref<ExportEntry[]>([]);
  let applied = toQuery(filters.value);
  let unsubscribe: (() => void) | null = null;

  async function open(): Promise<void> {
    if (unsubscribe === null) unsubscribe = useRealtimeStore().onExport(progressed);
    if (choices.value === null) choices.value = await filterChoices().catch(() => null);
    await search();
  }

  function close(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function search(): Promise<void> {
    applied = toQuery(filters.value);
    await load(null);
  }

  async function reset(): Promise<void> {
    filters.value = emptyFilters();
    await search();
  }

  async function more(): Promise<void> {
    if (next.value !== null) await load(next.value);
  }

  async function load(after: string | null): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await listCalls(applied, after);
      rows.value = after === null ? page.items : [...rows.value, ...page.items];
      next.value = page.next;
      if (after === null) void recount(applied, page.items.length, page.next === null);
    } catch (failure) {
      error.value = failure;
      if (after === null) rows.value = [];
    } finally {
      loading.value = false;
    }
  }

  /** The count follows the page: a single page is its own count, otherwise the server counts. */
  async function recount(query: typeof applied, shown: number, complete: boolean): Promise<void> {
    if (complete) {
      count.value = { total: shown, capped: false, estimated: false };
      return;
    }
    count.value = null;
    const counted = await countCalls(query).catch(() => null);
    if (query === applied) count.value = counted;
  }

  /** Exactly what the list shows (the filters last applied). Null: the file was saved at once. */
  async function exportAs(format: ExportFormat): Promise<ExportJob | null> {
    const job = await exportCalls(applied, format);
    if (job !== null) {
      exports.value = [
        {
          id: job.id,
          format,
          status: job.status,
          rows: job.rows,
          expected: job.expected_rows,
          url: null,
          error: null,
          resumed: false,
        },
        ...exports.value,
      ];
    }
    return job;
  }

  function progressed(progress: ExportProgress): void {
    exports.value = exports.value.map((entry) =>
      entry.id === progress.job_id
        ? {
            ...entry,
            status: progress.status,
            rows: progress.rows,
            url: progress.download_url ?? null,
            error: progress.error ?? null,
            resumed: (progress.resumed ?? 0) > 0,
          }
        : entry,
    );
  }

  return {
    filters,
    rows,
    count,
    next,
    loading,
    error,
    choices,
    exports,
    open,
    close,
    search,
    reset,
    more,
    exportAs,
    progressed,
  };
});
