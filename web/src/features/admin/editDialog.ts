// The create / edit dialog of an admin list: which row is edited (none: a new one), its form, and a save
// whose refusal is shown on the fields it names and, worded, above the buttons.
import { ref, type Ref } from "vue";
import { ApiError } from "@/shared/api/errors";
import { useFieldText } from "@/shared/api/fieldWording";
import { useErrorText } from "./errorText";

export interface EditDialogOptions<Row, Form> {
  blank: () => Form;
  formOf: (row: Row) => Form;
  /** Creates (`editing` null) or updates the row from the form. */
  submit: (form: Form, editing: Row | null) => Promise<unknown>;
  /** After a save went through and the dialog closed. */
  saved: () => Promise<void> | void;
}

export function useEditDialog<Row, Form>(options: EditDialogOptions<Row, Form>) {
  const errorText = useErrorText();
  const fieldText = useFieldText();
  const open = ref(false);
  const editing = ref(null) as Ref<Row | null>;
  const form = ref(options.blank()) as Ref<Form>;
  const saving = ref(false);
  const formError = ref<string | null>(null);
  const fieldErrors = ref<Record<string, string>>({});

  function show(row: Row | null): void {
    editing.value = row;
    form.value = row === null ? options.blank() : options.formOf(row);
    formError.value = null;
    fieldErrors.value = {};
    open.value = true;
  }

  /** The refusal of the field at `path` or of anything inside it. */
  function fieldError(path: string): string | undefined {
    return Object.entries(fieldErrors.value).find(([p]) => p === path || p.startsWith(`${path}.`))?.[1];
  }

  async function save(): Promise<void> {
    saving.value = true;
    formError.value = null;
    fieldErrors.value = {};
    try {
      await options.submit(form.value, editing.value);
      open.value = false;
      await options.saved();
    } catch (error) {
      if (error instanceof ApiError && error.fields.length) {
        fieldErrors.value = Object.fromEntries(error.fields.map((f) => [f.path, fieldText(f)]));
      }
      formError.value = errorText(error);
    } finally {
      saving.value = false;
    }
  }

  return {
    open,
    editing,
    form,
    saving,
    formError,
    fieldErrors,
    startCreate: () => show(null),
    startEdit: (row: Row) => show(row),
    fieldError,
    save,
  };
}
