import { defineStore } from "pinia";
import { ref } from "vue";
import type { ShortcutAction } from "@/features/shortcuts/model";

/** A shortcut that opens something a component owns (the status menu, the keypad, the transfer dialog). */
export interface ShortcutRequest {
  action: ShortcutAction;
  /** rises with every press, so pressing the same key twice is seen twice */
  seq: number;
}

/** The help sheet and the requests a component answers by watching `request`. */
export const useShortcutsStore = defineStore("shortcuts", () => {
  const helpOpen = ref(false);
  const request = ref<ShortcutRequest | null>(null);
  let seq = 0;

  function ask(action: ShortcutAction): void {
    seq += 1;
    request.value = { action, seq };
  }

  return { helpOpen, request, ask };
});
