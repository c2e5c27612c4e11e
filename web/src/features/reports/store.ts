// The report builder's state: the model, the definition being built, its result and view, the saved
// reports, and the calls or cases behind the cell last clicked.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { filterChoices } from "@/features/journal/api";
import type { FilterChoices } from "@/features/journal/model";
import { createSaved, deleteSaved, drillReport, exportReport, listSaved, reportModel, runReport, updateSaved } from "./api";
import {
  defaultDefinition,
  type Definition,
  type Drill,
  type ExportFormat,
  type Key,
  type ReportModel,
  type ReportResult,
  type SavedReport,
  type Schedule,
  type ViewKind,
  scheduleOf,
} from "./model";

export const useReportsStore = defineStore("reports", () => {
  const model = shallowRef<ReportModel | null>(null);
  const choices = shallowRef<FilterChoices | null>(null);
  const definition = ref<Definition>(defaultDefinition());
  const view = ref<ViewKind>("table");
  const result = shallowRef<ReportResult | null>(null);
  /** The definition the result was built from: drill-down and export use it, not the edited one. */
  let built: Definition | null = null;
  const running = ref(false);
  const error = ref<unknown>(null);
  const saved = ref<SavedReport[]>([]);
  const current = ref<SavedReport | null>(null);
  const name = ref("");
  const sharedRoles = ref<string[]>([]);
  const sharedGroups = ref<number[]>([]);
  /** The e-mail schedule being edited; null: the report is not sent. */
  const schedule = ref<Schedule | null>(null);
  const drill = shallowRef<Drill | null>(null);
  const drillLabel = ref("");

  async function open(): Promise<void> {
    if (model.value === null) model.value = await reportModel();
    if (choices.value === null) choices.value = await filterChoices().catch(() => null);
    saved.value = await listSaved();
  }

  function copy(source: Definition): Definition {
    return JSON.parse(JSON.stringify(source)) as Definition;
  }

  async function run(): Promise<void> {
    running.value = true;
    error.value = null;
    try {
      const asked = copy(definition.value);
      result.value = await runReport(asked);
      built = asked;
    } catch (failure) {
      error.value = failure;
    } finally {
      running.value = false;
    }
  }

  async function drillInto(keys: Key[], label: string): Promise<void> {
    if (built === null) return;
    drillLabel.value = label;
    drill.value = await drillReport(built, keys);
  }

  async function exportAs(format: ExportFormat): Promise<void> {
    await exportReport(built ?? definition.value, format, current.value?.name ?? name.value);
  }

  async function save(): Promise<SavedReport> {
    const body = {
      name: name.value,
      definition: copy(definition.value),
      view: { kind: view.value },
      shared_roles: sharedRoles.value,
      shared_group_ids: sharedGroups.value,
      schedule: schedule.value === null ? null : { ...schedule.value },
    };
    const stored = current.value?.editable ? await updateSaved(current.value.id, body) : await createSaved(body);
    current.value = stored;
    saved.value = await listSaved();
    return stored;
  }

  async function load(report: SavedReport): Promise<void> {
    current.value = report;
    name.value = report.name;
    definition.value = { ...defaultDefinition(), ...(report.definition as Partial<Definition>) };
    view.value = ((report.view as { kind?: ViewKind }).kind ?? "table") as ViewKind;
    sharedRoles.value = [...report.shared_roles];
    sharedGroups.value = [...report.shared_group_ids];
    schedule.value = scheduleOf(report.schedule);
    await run();
  }

  async function remove(report: SavedReport): Promise<void> {
    await deleteSaved(report.id);
    if (current.value?.id === report.id) current.value = null;
    saved.value = await listSaved();
  }

  function startNew(): void {
    current.value = null;
    name.value = "";
    sharedRoles.value = [];
    sharedGroups.value = [];
    schedule.value = null;
    definition.value = defaultDefinition();
    result.value = null;
    built = null;
  }

  return {
    model, choices, definition, view, result, running, error, saved, current, name, sharedRoles, sharedGroups,
    schedule,
    drill, drillLabel, open, run, drillInto, exportAs, save, load, remove, startNew,
  };
});
