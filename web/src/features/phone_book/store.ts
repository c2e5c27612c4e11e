// The phone book screen's state: the contacts (searched on the server), the colleagues with their
// live status (operator.state_changed keeps it), and the operator's recent calls.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import type { ApiError } from "@/shared/api/errors";
import { useRealtimeStore } from "@/shared/realtime/store";
import type { CallRow } from "@/features/journal/model";
import * as book from "./api";
import type { Colleague, ColleagueGroup, Contact, ContactInput, ImportReport } from "./model";

export const usePhoneBookStore = defineStore("phone-book", () => {
  const panelOpen = ref(false);
  const query = ref("");
  const contacts = shallowRef<Contact[]>([]);
  /** Every contact, whatever the search: what names the numbers of the history. */
  const known = shallowRef<Contact[]>([]);
  const colleagues = ref<Colleague[]>([]);
  const groups = shallowRef<ColleagueGroup[]>([]);
  const history = shallowRef<CallRow[]>([]);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  let unsubscribe: (() => void) | null = null;

  async function guarded(load: () => Promise<void>): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      await load();
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      loading.value = false;
    }
  }

  const loadContacts = () =>
    guarded(async () => {
      contacts.value = await book.listContacts(query.value.trim());
    });

  const loadColleagues = () =>
    guarded(async () => {
      const answer = await book.listColleagues();
      groups.value = answer.groups;
      colleagues.value = answer.colleagues;
    });

  const loadHistory = () =>
    guarded(async () => {
      [history.value, known.value] = await Promise.all([book.myCalls(), book.listContacts()]);
    });

  function follow(): void {
    if (unsubscribe !== null) return;
    unsubscribe = useRealtimeStore().onOperatorChange((change) => {
      const row = colleagues.value.find((c) => c.user_id === change.user_id);
      if (row !== undefined) {
        row.status = change.status;
        row.since = change.since;
        row.on_call = change.call_id !== null;
      }
    });
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  /** Saves a contact (a new one, or `id`'s changes); the refusal is returned for the form to show. */
  async function save(input: ContactInput, id: number | null, shared = false): Promise<ApiError | null> {
    try {
      if (id === null) await book.addContact(input, shared);
      else await book.updateContact(id, input);
    } catch (e) {
      return e as ApiError;
    }
    await loadContacts();
    known.value = await book.listContacts().catch(() => known.value);
    return null;
  }

  async function remove(id: number): Promise<void> {
    await guarded(() => book.deleteContact(id));
    await loadContacts();
  }

  async function toggleFavourite(contact: Contact): Promise<void> {
    await guarded(async () => {
      await book.markFavourite(contact.id, !contact.favourite);
    });
    await loadContacts();
  }

  async function importCsv(text: string): Promise<ImportReport | ApiError> {
    try {
      const report = await book.importContacts(text);
      await loadContacts();
      return report;
    } catch (e) {
      return e as ApiError;
    }
  }

  return {
    panelOpen,
    query,
    contacts,
    known,
    colleagues,
    groups,
    history,
    loading,
    error,
    loadContacts,
    loadColleagues,
    loadHistory,
    follow,
    stop,
    save,
    remove,
    toggleFavourite,
    importCsv,
  };
});
