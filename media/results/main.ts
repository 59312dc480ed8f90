// The results page's entry (the Floorline Results custom editor, one page per *.results.jsonl):
// wires <fl-results> (./components) to the extension host. It forwards what the components ask for
// (`fl-post`: queries, pages of rows, details, copies, actions) and hands each message from the host
// to the page, after checking its shape. The page holds no file: the host sends totals, a view (how
// many rows the query selects, under a `generation`) and the pages of rows the table asks for.
import type { HostToWebview, WebviewToHost } from '../../src/extension/protocol';
import './components/fl-results';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const page = document.createElement('fl-results');
page.addEventListener('fl-post', (event) => vscode.postMessage(event.detail));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** The host is ours, but a message of the wrong shape must not break the page: it is dropped. */
function resultsMessage(value: unknown): HostToWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'results/totals':
      return isObject(value.totals) && isObject(value.totals.counts) ? (value as HostToWebview) : undefined;
    case 'results/view':
      return isIndex(value.generation) && isIndex(value.length) && isObject(value.query) ? (value as HostToWebview) : undefined;
    case 'results/rows':
      return isIndex(value.generation) && isIndex(value.start) && Array.isArray(value.rows) ? (value as HostToWebview) : undefined;
    case 'results/detail':
      return isObject(value.detail) && isIndex(value.detail.row) ? (value as HostToWebview) : undefined;
    case 'results/error':
      return typeof value.message === 'string' ? (value as HostToWebview) : undefined;
    default:
      return undefined;
  }
}

const root = document.getElementById('root');

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = resultsMessage(event.data);
  if (!message || !root) return;
  if (page.parentElement !== root) {
    root.replaceChildren(page);
    root.removeAttribute('aria-busy');
  }
  page.receive(message);
});

vscode.postMessage({ type: 'ready' });
