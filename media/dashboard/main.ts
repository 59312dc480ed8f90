// The dashboard page's entry: wires <fl-dashboard> (./components) to the extension host. It takes
// the models the host posts, forwards what the components ask for (`fl-post`: controls, opening an
// error's line), and keeps the only state the page owns — which run cards are collapsed — in the
// webview's state, so it survives the panel being hidden and shown again.
import type { DashboardModel, HostToWebview, WebviewToHost } from '../../src/extension/protocol';
import './components/fl-dashboard';

interface UiState {
  collapsed: string[];
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: UiState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const collapsed = new Set<string>(readUiState().collapsed);

function readUiState(): UiState {
  const state = vscode.getState() as Partial<UiState> | undefined;
  return { collapsed: Array.isArray(state?.collapsed) ? state.collapsed.filter((id) => typeof id === 'string') : [] };
}

function saveUiState(): void {
  vscode.setState({ collapsed: [...collapsed] });
}

const dashboard = document.createElement('fl-dashboard');
dashboard.collapsed = new Set(collapsed);

dashboard.addEventListener('fl-post', (event) => vscode.postMessage(event.detail));
dashboard.addEventListener('fl-toggle-run', (event) => {
  const { runId } = event.detail;
  if (!collapsed.delete(runId)) collapsed.add(runId);
  saveUiState();
  // A new set: Lit sees a changed property only when its identity changes.
  dashboard.collapsed = new Set(collapsed);
});

/** UI state stays bounded: runs no longer shown lose their collapsed flag. */
function forgetGoneRuns(model: DashboardModel): void {
  const ids = new Set([...model.dispatchers.flatMap((d) => d.runs.map((r) => r.id)), ...model.pastRuns.map((r) => r.id)]);
  const gone = [...collapsed].filter((id) => !ids.has(id));
  if (gone.length === 0) return;
  for (const id of gone) collapsed.delete(id);
  saveUiState();
  dashboard.collapsed = new Set(collapsed);
}

const root = document.getElementById('root');
let pending: DashboardModel | undefined;

function render(): void {
  const model = pending;
  pending = undefined;
  if (!model || !root) return;
  if (dashboard.parentElement !== root) {
    root.replaceChildren(dashboard);
    root.removeAttribute('aria-busy');
  }
  forgetGoneRuns(model);
  dashboard.model = model;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data as Partial<HostToWebview> | null;
  if (message?.type !== 'model' || typeof message.model !== 'object' || message.model === null) return;
  // Several models within a frame: draw only the last.
  if (pending === undefined) requestAnimationFrame(render);
  pending = message.model;
});

vscode.postMessage({ type: 'ready' });
