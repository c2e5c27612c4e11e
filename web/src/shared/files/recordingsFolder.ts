// The folder for local copies of recordings (OPS-05, seed §4.3.1.2 «папка для сохранения локальных
// записей»). Where the browser has the File System Access API (Chromium-based ones) the operator
// chooses a folder once and «Скачать» writes the file straight into it; the folder's handle is kept in
// this browser's IndexedDB (a handle cannot go to the server). Elsewhere (Firefox) the browser's
// own download folder is used, which is set in the browser's settings: the dialog says which.

interface DirectoryPicker {
  showDirectoryPicker(options?: { id?: string; mode?: "read" | "readwrite" }): Promise<FileSystemDirectoryHandle>;
}
interface PermissionCheck {
  queryPermission?(descriptor: { mode: "readwrite" }): Promise<PermissionState>;
  requestPermission?(descriptor: { mode: "readwrite" }): Promise<PermissionState>;
}

const DATABASE = "c122";
const STORE = "handles";
const KEY = "recordings-folder";

export function folderPickerSupported(): boolean {
  return typeof window !== "undefined" && "showDirectoryPicker" in window && typeof indexedDB !== "undefined";
}

function request<T>(make: (store: IDBObjectStore) => IDBRequest<T>, mode: IDBTransactionMode): Promise<T> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const done = make(db.transaction(STORE, mode).objectStore(STORE));
      done.onsuccess = () => {
        resolve(done.result);
        db.close();
      };
      done.onerror = () => {
        reject(done.error);
        db.close();
      };
    };
  });
}

/** The chosen folder, or null (none chosen, or the browser cannot choose folders). */
export async function chosenFolder(): Promise<FileSystemDirectoryHandle | null> {
  if (!folderPickerSupported()) return null;
  const handle = await request<unknown>((s) => s.get(KEY), "readonly").catch(() => null);
  return handle instanceof FileSystemDirectoryHandle ? handle : null;
}

/** Asks the operator for a folder; its name, or null when they closed the picker. */
export async function chooseFolder(): Promise<string | null> {
  if (!folderPickerSupported()) return null;
  try {
    const handle = await (window as unknown as DirectoryPicker).showDirectoryPicker({ id: "c122-recordings", mode: "readwrite" });
    await request((s) => s.put(handle, KEY), "readwrite");
    return handle.name;
  } catch {
    return null;
  }
}

export async function forgetFolder(): Promise<void> {
  if (folderPickerSupported()) await request((s) => s.delete(KEY), "readwrite").catch(() => undefined);
}

/**
 * Writes a file into the chosen folder: true when it did, false when there is no folder or the
 * operator refused the browser's permission (the caller then downloads as usual).
 */
export async function saveToFolder(name: string, content: Blob): Promise<boolean> {
  const folder = await chosenFolder();
  if (folder === null) return false;
  const check = folder as unknown as PermissionCheck;
  const state = (await check.queryPermission?.({ mode: "readwrite" })) ?? "granted";
  if (state !== "granted" && (await check.requestPermission?.({ mode: "readwrite" })) !== "granted") return false;
  const file = await folder.getFileHandle(name, { create: true });
  const writer = await file.createWritable();
  await writer.write(content);
  await writer.close();
  return true;
}
