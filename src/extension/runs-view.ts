// The Runs view (Floorline's activity bar container): this session's live runs, and every results
// file in the workspace with its totals. Glue only: the items' words come from the pure
// runs-tree-model; totals from the shared TotalsCache. It is redrawn when the run manager changes
// and when a results file is created, changed or deleted (a file watcher) — never by polling.
import * as vscode from 'vscode';
import { access } from 'node:fs/promises';
import { inputPathForResults } from '../core/results/paths';
import type { RunManager } from './run-manager';
import type { TotalsCache } from './totals-cache';
import { CommandId } from './command-ids';
import { isSimulatedResults, liveRunItem, pastRunItem, type TreeItemModel } from './view-model/runs-tree-model';

const RUNS_VIEW_ID = 'floorline.runs';
const RESULTS_GLOB = '**/*.results.jsonl';
/** The manager changes at every dispatcher snapshot (several a second): the tree needs far fewer. */
const MIN_REFRESH_MS = 500;

/** A tree item from its pure model: the Runs view's and the Batches view's. */
export function toTreeItem(item: TreeItemModel): vscode.TreeItem {
  const tree = new vscode.TreeItem(item.label, vscode.TreeItemCollapsibleState.None);
  tree.id = item.id;
  tree.description = item.description;
  tree.tooltip = new vscode.MarkdownString(item.tooltip);
  tree.iconPath = new vscode.ThemeIcon(item.icon);
  tree.contextValue = item.contextValue;
  return tree;
}

export type RunsNode =
  | { kind: 'live'; runId: string; inputUri: vscode.Uri; resultsUri: vscode.Uri; simulated: boolean; item: TreeItemModel }
  | { kind: 'past'; inputUri: vscode.Uri | undefined; resultsUri: vscode.Uri; simulated: boolean; item: TreeItemModel };

function isRunsNode(value: unknown): value is RunsNode {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (kind === 'live' || kind === 'past') && (value as { resultsUri?: unknown }).resultsUri instanceof vscode.Uri;
}

/** A command's argument as the input file to run: a Uri (Explorer, editor title) or a Runs view item. */
export function inputUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return isRunsNode(arg) ? arg.inputUri : undefined;
}

/** A command's argument as a live run's id (a Runs view item), or undefined (the palette: ask). */
export function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  return isRunsNode(arg) && arg.kind === 'live' ? arg.runId : undefined;
}

/** A command's argument as a results file: a Runs view item, or a Uri of a results file. */
export function resultsUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return isRunsNode(arg) ? arg.resultsUri : undefined;
}

/** Whether a Runs view item is a rehearsal's (its resume is a Simulate, never a real run). */
export function isSimulatedNode(arg: unknown): boolean {
  return isRunsNode(arg) && arg.simulated;
}

/**
 * Opens a results file in the results viewer (the custom editor `floorline.results`), or as text
 * when that cannot open it (e.g. the viewer is not there): the file is plain JSONL either way.
 */
export async function openResults(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, 'floorline.results');
  } catch {
    await vscode.window.showTextDocument(uri, { preview: false });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The workspace's results files, by fsPath (found once, then kept by the watcher). */
  private readonly files = new Map<string, vscode.Uri>();
  /**
   * Each results file's input, when it exists, by the results file's fsPath: looked up once, and
   * again when the watcher sees the results file change (not at every redraw during a live run).
   */
  private readonly inputs = new Map<string, string | undefined>();
  private listed: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly manager: RunManager,
    private readonly totals: TotalsCache,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(RESULTS_GLOB);
    this.disposables.push(
      watcher,
      this.changed,
      watcher.onDidCreate((uri) => {
        this.files.set(uri.fsPath, uri);
        this.inputs.delete(uri.fsPath);
        this.totals.invalidate(uri.fsPath);
        this.refresh();
      }),
      watcher.onDidChange((uri) => {
        this.inputs.delete(uri.fsPath);
        this.totals.invalidate(uri.fsPath);
        this.refresh();
      }),
      watcher.onDidDelete((uri) => {
        this.files.delete(uri.fsPath);
        this.inputs.delete(uri.fsPath);
        this.totals.forget(uri.fsPath);
        this.refresh();
      }),
      manager.onDidChange(() => this.refresh()),
      vscode.window.registerTreeDataProvider(RUNS_VIEW_ID, this),
    );
  }

  /** Redraw soon: now if the last redraw is old enough, else once the interval is up. */
  refresh(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastRefreshAt + MIN_REFRESH_MS - Date.now();
    const fire = () => {
      this.timer = undefined;
      this.lastRefreshAt = Date.now();
      this.changed.fire();
    };
    if (wait <= 0) fire();
    else this.timer = setTimeout(fire, wait);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const tree = toTreeItem(node.item);
    tree.resourceUri = node.resultsUri;
    // A click opens the results (a live run's file too: the viewer follows a growing file).
    tree.command = { command: CommandId.openResults, title: 'Open Results', arguments: [node] };
    return tree;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (node) return [];
    this.listed ??= this.list();
    await this.listed;
    const snapshots = this.manager.snapshots();
    const live: RunsNode[] = [];
    const liveResults = new Set<string>();
    for (const m of this.manager.active) {
      const run = snapshots.flatMap((s) => s.runs).find((r) => r.id === m.run.id);
      if (!run) continue;
      liveResults.add(m.resultsPath);
      live.push({ kind: 'live', runId: m.run.id, inputUri: m.uri, resultsUri: vscode.Uri.file(m.resultsPath), simulated: m.simulated, item: liveRunItem({ run, simulated: m.simulated }) });
    }
    // A live run's file is shown as the run; counting it at every append would only repeat the run's figures.
    const pastFiles = [...this.files.values()].filter((uri) => !liveResults.has(uri.fsPath));
    const past = await Promise.all(
      pastFiles.map(async (uri): Promise<RunsNode> => {
        const inputPath = await this.inputOf(uri.fsPath);
        const totals = this.totals.get(uri.fsPath);
        const item = pastRunItem({ resultsPath: uri.fsPath, label: vscode.workspace.asRelativePath(uri), inputPath, totals });
        return { kind: 'past', inputUri: inputPath !== undefined ? vscode.Uri.file(inputPath) : undefined, resultsUri: uri, simulated: isSimulatedResults(uri.fsPath, totals), item };
      }),
    );
    past.sort((a, b) => a.item.label.localeCompare(b.item.label) || a.resultsUri.fsPath.localeCompare(b.resultsUri.fsPath));
    return [...live, ...past];
  }

  private async inputOf(resultsPath: string): Promise<string | undefined> {
    if (this.inputs.has(resultsPath)) return this.inputs.get(resultsPath);
    const input = inputPathForResults(resultsPath);
    const found = input !== undefined && (await exists(input)) ? input : undefined;
    this.inputs.set(resultsPath, found);
    return found;
  }

  /** The workspace's results files, once; the watcher keeps the list from then on. */
  private async list(): Promise<void> {
    const found = await vscode.workspace.findFiles(RESULTS_GLOB, '**/node_modules/**');
    for (const uri of found) this.files.set(uri.fsPath, uri);
  }

  /** What the view shows, as plain data (for the extension tests, which cannot read a tree). */
  async items(): Promise<TreeItemModel[]> {
    return (await this.getChildren()).map((n) => n.item);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
