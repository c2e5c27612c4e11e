import { onBeforeUnmount } from "vue";

/** Runs `refresh` when the service worker says a push arrived (the screen shows the news at once). */
export function whenPushed(refresh: () => void): void {
  const worker = navigator.serviceWorker;
  if (!worker) return;
  const listener = (event: MessageEvent<{ type: string }>): void => {
    if (event.data.type === "push") refresh();
  };
  worker.addEventListener("message", listener);
  onBeforeUnmount(() => worker.removeEventListener("message", listener));
}

/**
 * Also refreshes every `ms` while the screen is shown: push may be off or unreachable (a browser
 * without a push service), and the status must still show.
 */
export function refreshWhileShown(refresh: () => void, ms: number): void {
  whenPushed(refresh);
  const timer = window.setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, ms);
  onBeforeUnmount(() => window.clearInterval(timer));
}
