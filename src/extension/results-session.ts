// One results file open in the results editor: the document (its index, the watchers that follow
// the file, the input's request index) and, per editor showing it, a session (the page's query,
// selection and generation, and what the page asks for). Glue: the index is the core's, the
// formatting the view-model's, the bookkeeping results-follow.ts's.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { ResultsIndex, type ResultsSelection } from '../core/results/results-index';
import { RequestIndex } from '../core/input/request-index';
import { exportResultsCsv } from '../core/results/results-csv';
import { inputPathForResults, isSimulatedResultsPath } from '../core/results/paths';
import { DEFAULT_RESULTS_QUERY, type ResultDetail, type ResultsQuery } from '../core/results/result-rows';
import { plural } from '../core/format';
import { CommandId } from './command-ids';
import { isWebviewToHost, type HostToWebview, type ResultsAction, type ResultsCopyPart, type ResultsTotalsModel, type WebviewToHost } from './protocol';
import { copyText, toResultDetailModel, toResultRowModel, toResultsTotalsModel, type RequestText } from './view-model/results-model';
import { afterRefresh, clampRows, Generations, RefreshThrottle, toResultsQuery, type RefreshOutcome } from './results-follow';
import type { RunManager } from './run-manager';

export interface ResultsEditorDeps {
  /** To know whether a run is writing the file (the view says it grows). */
  manager: Pick<RunManager, 'active' | 'onDidChange'>;
  log: vscode.LogOutputChannel;
}

/** A results file, opened once however many editors show it. */
export class ResultsDocument implements vscode.CustomDocument {
  private readonly refreshed = new vscode.EventEmitter<RefreshOutcome>();
  /** After each read of new content; or after a failure to read (then with the message). */
  readonly onDidRefresh = this.refreshed.event;
  private readonly failed = new vscode.EventEmitter<string>();
  readonly onDidFail = this.failed.event;
  private readonly disposables: vscode.Disposable[] = [this.refreshed, this.failed];
  private readonly throttle: RefreshThrottle;
  /** Built on first use; it rebuilds itself when the input changes. */
  private requests: Promise<RequestIndex> | undefined;
  /** The input whose lines this file answers, found by name; undefined for a custom --out. */
  readonly inputPath: string | undefined;
  /** A rehearsal's results (`*.simulated.results.jsonl`): Re-run simulates. */
  readonly simulated: boolean;

  static async open(uri: vscode.Uri): Promise<ResultsDocument> {
    if (uri.scheme !== 'file') throw new Error(`${uri.toString()} is not a local file; the results editor reads local files only.`);
    return new ResultsDocument(uri, await ResultsIndex.open(uri.fsPath));
  }

  private constructor(
    readonly uri: vscode.Uri,
    readonly index: ResultsIndex,
  ) {
    this.inputPath = inputPathForResults(uri.fsPath);
    this.simulated = isSimulatedResultsPath(uri.fsPath);
    this.throttle = new RefreshThrottle(() => this.refresh());
    this.follow();
    // Whatever was written between the index's first read and the watchers' start.
    this.throttle.poke();
  }

  get fileName(): string {
    return basename(this.uri.fsPath);
  }

  /**
   * VS Code's watcher on this one file (a RelativePattern on its folder, which also works outside
   * the workspace), and Node's on its folder: VS Code's skips folders excluded by `files.watcherExclude`.
   * Both only poke the throttle; a burst from either is one read.
   */
  private follow(): void {
    const poke = () => this.throttle.poke();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(this.uri.fsPath)), basename(this.uri.fsPath)));
    this.disposables.push(watcher, watcher.onDidChange(poke), watcher.onDidCreate(poke), watcher.onDidDelete(poke));
    try {
      // The folder, not the file: a resume replaces the file (rename over it), which ends a watch on the file itself.
      const name = basename(this.uri.fsPath);
      const folderWatch = fs.watch(dirname(this.uri.fsPath), { persistent: false }, (_event, file) => {
        if (file === null || file.toString() === name) poke();
      });
      folderWatch.on('error', () => folderWatch.close());
      this.disposables.push({ dispose: () => folderWatch.close() });
    } catch {
      // No Node watcher here (the folder went away, or too many watches): VS Code's still follows the file.
    }
  }

  private async refresh(): Promise<void> {
    let outcome: RefreshOutcome;
    try {
      outcome = await this.index.refresh();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.failed.fire(code === 'ENOENT' ? `${this.fileName} was deleted or moved.` : `${this.fileName} cannot be read: ${(err as Error).message}`);
      return;
    }
    this.refreshed.fire(outcome);
  }

  /** The request line a result answers, from the input file (indexed once, again if the input changed). */
  async request(customId: string): Promise<RequestText> {
    const input = this.inputPath;
    if (input === undefined) return { missing: `The input file cannot be told from the name ${this.fileName} (written with --out?).` };
    if (!fs.existsSync(input)) return { missing: `The input file ${basename(input)} is not beside ${this.fileName}.` };
    const requests = (this.requests ??= RequestIndex.build(input));
    try {
      const found = await (await requests).lookup(customId);
      return found ?? { missing: `No line of ${basename(input)} has the custom_id ${JSON.stringify(customId)} (the input changed since this run?).` };
    } catch (err) {
      if (this.requests === requests) this.requests = undefined; // try again next time
      return { missing: `${basename(input)} cannot be read: ${(err as Error).message}` };
    }
  }

  /** Whether a run of this file's input is writing it now. */
  isWritten(manager: ResultsEditorDeps['manager']): boolean {
    return this.inputPath !== undefined && manager.active.some((m) => m.uri.fsPath === this.inputPath && m.simulated === this.simulated);
  }

  dispose(): void {
    this.throttle.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** What the extension tests read of an open editor. */
export interface ResultsSessionState {
  uri: string;
  generation: number;
  /** Rows in the page's current selection. */
  length: number;
  query: ResultsQuery;
  totals: ResultsTotalsModel | undefined;
}

/** One editor (webview) on a results document: the page's view of it. */
export class ResultsSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly generations = new Generations();
  /** The query last asked for (the selection being made follows it). */
  private query: ResultsQuery = DEFAULT_RESULTS_QUERY;
  /** The selection the page draws, and the query it was made for. */
  private selection: ResultsSelection | undefined;
  private shownQuery: ResultsQuery | undefined;
  private lastTotals: ResultsTotalsModel | undefined;
  private disposed = false;

  constructor(
    private readonly document: ResultsDocument,
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: ResultsEditorDeps,
    private readonly onDispose: () => void,
  ) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      document.onDidRefresh((outcome) => this.settle(() => this.refreshed(outcome))),
      document.onDidFail((message) => this.post({ type: 'results/error', message })),
      // Trust granted while open: Re-run and Submit become possible.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (this.lastTotals) this.postTotals();
      }),
      // A run of the input started or ended: "growing" changes with it.
      deps.manager.onDidChange(() => {
        if (this.lastTotals && this.lastTotals.growing !== this.growing()) this.postTotals();
      }),
    );
  }

  state(): ResultsSessionState {
    return { uri: this.document.uri.toString(), generation: this.generations.current, length: this.selection?.length ?? 0, query: this.query, totals: this.lastTotals };
  }

  /** A message from the page. Public (and awaitable) for the extension tests, which have no page. */
  receive(message: unknown): Promise<void> {
    if (!isWebviewToHost(message)) return Promise.resolve(); // anything else is not ours: ignore it
    return this.settle(() => this.handle(message));
  }

  private async handle(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.postTotals();
        if (this.selection && this.shownQuery === this.query) this.postView();
        else await this.select(this.query, false);
        return;
      case 'results/query':
        this.query = toResultsQuery(m.query);
        await this.select(this.query, false);
        return;
      case 'results/rows':
        return this.rows(m.generation, m.start, m.count);
      case 'results/detail': {
        const detail = await this.detail(m.row);
        this.post({ type: 'results/detail', detail: toResultDetailModel(detail, await this.document.request(detail.row.customId)) });
        return;
      }
      case 'results/copy':
        return this.copy(m.row, m.part);
      case 'results/openInput':
        return this.openInput(m.row);
      case 'results/action':
        return this.action(m.action);
      default:
        return; // the dashboard's messages: not for this page
    }
  }

  // ── The view ───────────────────────────────────────────────────────────

  private growing(): boolean {
    return this.document.index.totals().partialTail || this.document.isWritten(this.deps.manager);
  }

  private postTotals(): void {
    this.lastTotals = toResultsTotalsModel(this.document.index.totals(), {
      fileName: this.document.fileName,
      hasInput: this.document.inputPath !== undefined && fs.existsSync(this.document.inputPath),
      canRun: vscode.workspace.isTrusted,
      growing: this.growing(),
    });
    this.post({ type: 'results/totals', totals: this.lastTotals });
  }

  private postView(): void {
    if (!this.selection || !this.shownQuery) return;
    this.post({ type: 'results/view', generation: this.generations.current, length: this.selection.length, query: { ...this.shownQuery } });
  }

  /** Makes the selection for `query`; posts it unless a newer one was asked for meanwhile. */
  private async select(query: ResultsQuery, keep: boolean): Promise<void> {
    const ticket = this.generations.begin();
    const selection = await this.document.index.select(query);
    if (this.disposed || this.generations.settle(ticket, keep) === undefined) return;
    this.selection = selection;
    this.shownQuery = query;
    this.postView();
  }

  private async refreshed(outcome: RefreshOutcome): Promise<void> {
    this.postTotals();
    const next = afterRefresh(this.query, outcome);
    if (next === 'unchanged') return;
    // Keep the generation only if the page draws this very query: one being made is posted as new anyway.
    await this.select(this.query, next === 'extend' && this.shownQuery === this.query);
  }

  private async rows(generation: number, start: number, count: number): Promise<void> {
    const selection = this.selection;
    if (!selection || generation !== this.generations.current) return; // asked under an older selection
    const range = clampRows(start, count, selection.length);
    if (!range) return;
    const rows = await this.document.index.rows(selection, range.start, range.count);
    if (generation !== this.generations.current) return;
    this.post({ type: 'results/rows', generation, start: range.start, rows: rows.map(toResultRowModel) });
  }

  private async detail(row: number): Promise<ResultDetail> {
    const detail = await this.document.index.detail(row);
    if (!detail) throw new Error(`row ${row + 1} is no longer in ${this.document.fileName} (the file was rewritten).`);
    return detail;
  }

  // ── What the page asks for ─────────────────────────────────────────────

  private async copy(row: number, part: ResultsCopyPart): Promise<void> {
    const detail = await this.detail(row);
    const request = part === 'request' ? await this.document.request(detail.row.customId) : { missing: '' };
    const text = copyText(detail, part, request);
    if (text === undefined) {
      const why = 'missing' in request && request.missing ? request.missing : `${detail.row.customId} has no ${part === 'reply' ? 'reply' : part}.`;
      void vscode.window.showWarningMessage(`Floorline: nothing copied. ${why}`);
      return;
    }
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Floorline: copied the ${part === 'customId' ? 'custom_id' : part} of ${detail.row.customId}`, 3_000);
  }

  private async openInput(row: number): Promise<void> {
    const detail = await this.detail(row);
    const request = await this.document.request(detail.row.customId);
    if ('missing' in request) {
      void vscode.window.showWarningMessage(`Floorline: ${request.missing}`);
      return;
    }
    const position = new vscode.Position(Math.max(0, request.line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.file(this.document.inputPath!), { selection: new vscode.Range(position, position), preview: false });
  }

  private inputUri(what: string): vscode.Uri | undefined {
    const input = this.document.inputPath;
    if (input !== undefined && fs.existsSync(input)) return vscode.Uri.file(input);
    void vscode.window.showErrorMessage(
      input === undefined
        ? `Floorline: cannot ${what}: the input file cannot be told from the name ${this.document.fileName}. Run the input itself.`
        : `Floorline: cannot ${what}: ${basename(input)} is not beside ${this.document.fileName}.`,
    );
    return undefined;
  }

  private async action(action: ResultsAction): Promise<void> {
    switch (action) {
      case 'rerunErrored': {
        // The run resumes from this file: it keeps the succeeded lines and sends the rest again.
        // The command checks workspace trust and the key, as from the Explorer.
        const input = this.inputUri('re-run the errored lines');
        if (input) await vscode.commands.executeCommand(this.document.simulated ? CommandId.simulate : CommandId.run, input);
        return;
      }
      case 'submitErroredBatch': {
        // The batch job skips the ids the real results file has succeeded (batch-job.ts `submit`).
        const input = this.inputUri('submit the errored lines');
        if (!input) return;
        if (this.document.simulated) {
          const go = await vscode.window.showWarningMessage(
            'Floorline: submit as a real Message Batch?',
            { modal: true, detail: `${this.document.fileName} is a rehearsal's. A batch is real and spends money: it submits the lines of ${basename(input.fsPath)} not yet succeeded in its real results file.` },
            'Submit',
          );
          if (go !== 'Submit') return;
        }
        await vscode.commands.executeCommand(CommandId.submitBatch, input);
        return;
      }
      case 'exportCsv':
        return this.exportCsv();
      case 'openAsText':
        await vscode.commands.executeCommand('vscode.openWith', this.document.uri, 'default');
        return;
    }
  }

  private async exportCsv(): Promise<void> {
    const selection = this.selection;
    if (!selection) return;
    const path = this.document.uri.fsPath;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(`${path.slice(0, path.length - extname(path).length)}.csv`),
      filters: { CSV: ['csv'] },
      title: 'Export the rows shown as CSV',
    });
    if (!target) return;
    const written = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Floorline: exporting ${plural(selection.length, 'row')}` },
      () => exportResultsCsv(this.document.index, selection, target.fsPath),
    );
    this.deps.log.info(`${this.document.fileName}: exported ${plural(written, 'row')} to ${target.fsPath}`);
    const open = await vscode.window.showInformationMessage(`Floorline: exported ${plural(written, 'row')} to ${basename(target.fsPath)}.`, 'Open');
    if (open) await vscode.commands.executeCommand('vscode.open', target);
  }

  // ── Plumbing ───────────────────────────────────────────────────────────

  private post(message: HostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** A failure (the file went away, a save failed) is told to the user, not lost. */
  private async settle(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.warn(`${this.document.fileName}: ${message}`);
      void vscode.window.showErrorMessage(`Floorline: ${message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDispose();
  }
}
