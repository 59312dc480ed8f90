// The dashboard webview panel: glue between the run manager (a DashboardSource) and the page.
// The host pushes whole models (throttled); the page keeps only UI state and asks for actions.
import * as vscode from 'vscode';
import { isWebviewToHost, type HostToWebview, type RunAction, type WebviewToHost } from './protocol';
import { toDashboardModel, type DashboardInput } from './view-model/dashboard-model';
import { dashboardHtml } from './view-model/dashboard-html';
import { pageAssets, webviewOptions } from './webview-setup';

export interface DashboardSource {
  input(): DashboardInput;
  onDidChange: vscode.Event<void>;
  control(runId: string, action: RunAction): void | Thenable<void>;
  openLocation(runId: string, line: number): void | Thenable<void>;
  openResults(runId: string): void | Thenable<void>;
}

/** At most 4 models a second: the snapshots come faster than anyone reads. */
const MIN_POST_INTERVAL_MS = 250;

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'floorline.dashboard';
  private static current: DashboardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastPostAt = Number.NEGATIVE_INFINITY;
  private disposed = false;

  /** Creates the panel, or reveals the one already open. */
  static show(context: vscode.ExtensionContext, source: DashboardSource): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    // After a reload VS Code restores a dashboard tab but revives it only once it is shown; the API
    // cannot show it, so it is closed and this one takes its place: one dashboard, never two.
    const restored = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(DashboardPanel.viewType));
    if (restored.length > 0) void vscode.window.tabGroups.close(restored);
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Floorline', vscode.ViewColumn.Active, {
      ...webviewOptions(context.extensionUri),
      // Hidden panels are torn down and rebuilt from a fresh model: cheaper than keeping them alive.
      retainContextWhenHidden: false,
    });
    DashboardPanel.current = new DashboardPanel(panel, context.extensionUri, source);
    return DashboardPanel.current;
  }

  /** After a window reload: VS Code hands back the panel it restored. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, source: DashboardSource): DashboardPanel {
    DashboardPanel.current?.dispose();
    DashboardPanel.current = new DashboardPanel(panel, context.extensionUri, source);
    return DashboardPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly source: DashboardSource,
  ) {
    const webview = panel.webview;
    // A restored panel keeps its old options: set them again so the roots stay limited to media/.
    webview.options = webviewOptions(extensionUri);
    panel.iconPath = new vscode.ThemeIcon('dashboard');
    webview.html = dashboardHtml(pageAssets(webview, extensionUri, 'dashboard'));
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.visible) this.postNow();
      }),
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      source.onDidChange(() => this.update()),
    );
  }

  /** Post a fresh model soon: now if the last one is old enough, else once the interval is up. */
  update(): void {
    if (this.disposed || this.timer !== undefined) return; // the pending post will read the latest input
    const wait = this.lastPostAt + MIN_POST_INTERVAL_MS - Date.now();
    if (wait <= 0) this.postNow();
    else this.timer = setTimeout(() => this.postNow(), wait);
  }

  private postNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // A hidden panel has no page to draw on; it gets a fresh model when it becomes visible.
    if (this.disposed || !this.panel.visible) return;
    this.lastPostAt = Date.now();
    const message: HostToWebview = { type: 'model', model: toDashboardModel(this.source.input()) };
    void this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) return; // anything else is not ours: ignore it
    const m: WebviewToHost = message;
    switch (m.type) {
      case 'ready':
        this.postNow();
        return;
      case 'control':
        this.settle(() => this.source.control(m.runId, m.action));
        return;
      case 'openLocation':
        this.settle(() => this.source.openLocation(m.runId, m.line));
        return;
      case 'openResults':
        this.settle(() => this.source.openResults(m.runId));
        return;
    }
  }

  /** A failed action (the file was deleted, the run is gone) is told to the user, not lost. */
  private settle(action: () => void | Thenable<void>): void {
    const fail = (err: unknown) => void vscode.window.showErrorMessage(`Floorline: ${err instanceof Error ? err.message : String(err)}`);
    try {
      Promise.resolve(action()).catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}


/**
 * Restores the dashboard after a reload (needs the `onWebviewPanel:floorline.dashboard` activation
 * event). The caller owns the returned registration (push it to `context.subscriptions`).
 */
export function registerSerializer(context: vscode.ExtensionContext, source: DashboardSource): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      DashboardPanel.revive(panel, context, source);
    },
  });
}
