// How components speak to main.ts: DOM events that bubble out of every shadow root (`composed`).
// Components never touch the VS Code API; main.ts forwards `fl-post` to the host as it is and keeps
// `fl-toggle-run` (UI state) to itself.
import type { WebviewToHost } from '../../../src/extension/protocol';

type PostEvent = CustomEvent<WebviewToHost>;
type ToggleRunEvent = CustomEvent<{ runId: string }>;

declare global {
  interface HTMLElementEventMap {
    'fl-post': PostEvent;
    'fl-toggle-run': ToggleRunEvent;
  }
}

/** Asks main.ts to send `message` to the extension host. */
export function postToHost(from: HTMLElement, message: WebviewToHost): void {
  from.dispatchEvent(new CustomEvent('fl-post', { detail: message, bubbles: true, composed: true }));
}

/** Asks main.ts to fold or unfold a run card (UI state it keeps across reloads of the page). */
export function toggleRun(from: HTMLElement, runId: string): void {
  from.dispatchEvent(new CustomEvent('fl-toggle-run', { detail: { runId }, bubbles: true, composed: true }));
}
