// The desk's keyboard shortcuts: which keys do what, as data, so the handler, the tooltips and the
// help sheet («?») all read one table. Keys are matched by their physical position (`code`), so
// Alt+M is the same key on the Russian and the English layout.

export type ShortcutAction =
  | "answer"
  | "reject"
  | "mute"
  | "hold"
  | "hangUp"
  | "transfer"
  | "keypad"
  | "fullScreen"
  | "ready"
  | "break"
  | "statusMenu"
  | "help";

export type ShortcutGroup = "call" | "status" | "desk";

export interface Shortcut {
  action: ShortcutAction;
  group: ShortcutGroup;
  /** KeyboardEvent.code of the key pressed with Alt; null for «?» (a character, any layout). */
  code: string | null;
  /** what the tooltips and the help sheet show */
  keys: string;
}

// Alt with a letter: no browser of the manual (Blink, Quantum) takes these for itself on a page,
// unlike Alt+F/E/D or Alt+digits; typing in a card field never produces them.
export const SHORTCUTS: readonly Shortcut[] = [
  { action: "answer", group: "call", code: "KeyA", keys: "Alt+A" },
  { action: "reject", group: "call", code: "KeyR", keys: "Alt+R" },
  { action: "mute", group: "call", code: "KeyM", keys: "Alt+M" },
  { action: "hold", group: "call", code: "KeyH", keys: "Alt+H" },
  { action: "hangUp", group: "call", code: "KeyX", keys: "Alt+X" },
  { action: "transfer", group: "call", code: "KeyT", keys: "Alt+T" },
  { action: "keypad", group: "call", code: "KeyK", keys: "Alt+K" },
  { action: "fullScreen", group: "call", code: "KeyU", keys: "Alt+U" },
  { action: "ready", group: "status", code: "KeyG", keys: "Alt+G" },
  { action: "break", group: "status", code: "KeyB", keys: "Alt+B" },
  { action: "statusMenu", group: "status", code: "KeyS", keys: "Alt+S" },
  { action: "help", group: "desk", code: null, keys: "?" },
];

export interface KeyPress {
  code: string;
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  /** the element that had focus: «?» is a character there when it is a field */
  target: EventTarget | null;
}

function isTyping(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The action a key press asks for, or null when it is not a shortcut (or is typing). */
export function shortcutFor(press: KeyPress): ShortcutAction | null {
  if (press.ctrlKey || press.metaKey) return null;
  if (press.altKey && !press.shiftKey) {
    return SHORTCUTS.find((s) => s.code !== null && s.code === press.code)?.action ?? null;
  }
  if (!press.altKey && press.key === "?" && !isTyping(press.target)) return "help";
  return null;
}

/** The keys of an action, as shown to the operator («Alt+M»). */
export function keysOf(action: ShortcutAction): string {
  return SHORTCUTS.find((s) => s.action === action)?.keys ?? "";
}

/** A button's tooltip with its shortcut: «Выключить микрофон (Alt+M)». */
export function withKeys(label: string, action: ShortcutAction): string {
  return `${label} (${keysOf(action)})`;
}
