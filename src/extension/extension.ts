// The extension's entry point: creates the pieces and wires commands to them. Glue only — what
// runs is the core's (src/core).
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CommandId } from './command-ids';
import { ApiKeyStore } from './api-key';
import { InputDiagnostics } from './diagnostics';
import { RunManager } from './run-manager';
import { FloorlineStatusBar } from './status-bar';
import { DashboardPanel, registerSerializer, type DashboardSource } from './dashboard-panel';
import { runFileCommand, type RunCommandDeps } from './run-command';
import { controlCommand } from './control-commands';
import { readSettings } from './settings';
import { BatchTracker } from './batch-tracker';
import { BatchStatusBar } from './batch-status-bar';
import { batchJobOptions, submitBatchCommand } from './batch-command';
import { openResultsCommand, registerResultsEditor, type ResultsEditorProvider } from './results-editor';
import { ResultsIndex } from '../core/results/results-index';
import { TotalsCache } from './totals-cache';
import { RunsView, inputUriOf, isSimulatedNode, openResults, resultsUriOf, runIdOf } from './runs-view';
import { BatchesView } from './batches-view';

/** What `activate` returns: for the extension tests, to observe runs and the status bar. */
export interface FloorlineApi {
  manager: RunManager;
  statusBar: FloorlineStatusBar;
  batches: BatchTracker;
  batchStatusBar: BatchStatusBar;
  /** The open results editors (their selection, generation and last totals). */
  resultsEditors: ResultsEditorProvider;
  runsView: RunsView;
  batchesView: BatchesView;
}

export function activate(context: vscode.ExtensionContext): FloorlineApi {
  const log = vscode.window.createOutputChannel('Floorline', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const diagnostics = new InputDiagnostics();
  // Results files' totals, for the Runs view and the dashboard's runs from before a reload. Both
  // redraw when a file's totals become known (the views are declared below; the callback runs later).
  let totalsCounted = () => {};
  const totals = new TotalsCache({
    stat: (path) => stat(path),
    count: async (path) => (await ResultsIndex.open(path)).totals(),
    onDidCount: () => totalsCounted(),
  });
  const manager = new RunManager(context, log, totals);
  const statusBar = new FloorlineStatusBar();
  context.subscriptions.push(log, keys, diagnostics, totals, manager, statusBar);

  const refreshStatusBar = () => {
    const settings = readSettings();
    statusBar.update({ snapshots: manager.snapshots(), daily: manager.daily(settings) });
  };
  refreshStatusBar();

  // The tracker needs `deps`, made below; the dashboard reads it lazily.
  let batches: BatchTracker | undefined;
  const dashboardChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(dashboardChanged, manager.onDidChange(() => dashboardChanged.fire()));
  const source: DashboardSource = {
    input: () => ({ ...manager.dashboardInput(readSettings()), batches: batches?.current ?? [] }),
    onDidChange: dashboardChanged.event,
    control: (runId, action) => manager.control(runId, action),
    openLocation: async (runId, line) => {
      const managed = manager.find(runId);
      if (!managed) return;
      const position = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(managed.uri, { selection: new vscode.Range(position, position), preview: false });
    },
    openResults: async (runId) => {
      const path = manager.resultsPathOf(runId);
      if (path) await openResults(vscode.Uri.file(path));
    },
  };
  const showDashboard = () => DashboardPanel.show(context, source);
  const deps: RunCommandDeps = { manager, keys, diagnostics, log, showDashboard };
  const tracker = new BatchTracker(context, log, (job) => batchJobOptions(deps, job));
  batches = tracker;
  const batchStatusBar = new BatchStatusBar();
  const runsView = new RunsView(manager, totals);
  const batchesView = new BatchesView(tracker);
  totalsCounted = () => {
    runsView.refresh();
    dashboardChanged.fire();
  };
  context.subscriptions.push(
    tracker,
    batchStatusBar,
    runsView,
    batchesView,
    tracker.onDidChange(() => {
      batchStatusBar.update(tracker.current);
      dashboardChanged.fire();
    }),
  );

  const resultsEditors = registerResultsEditor(context, { manager, log });
  context.subscriptions.push(
    registerSerializer(context, source),
    manager.onDidChange(refreshStatusBar),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('floorline')) return;
      manager.applySettings(readSettings());
      refreshStatusBar();
    }),
    // Given a Uri (Explorer, editor title) or a Runs view item (its input file).
    vscode.commands.registerCommand(CommandId.run, (arg?: unknown) => runFileCommand(deps, inputUriOf(arg), false)),
    vscode.commands.registerCommand(CommandId.simulate, (arg?: unknown) => runFileCommand(deps, inputUriOf(arg), true)),
    vscode.commands.registerCommand(CommandId.submitBatch, (arg?: unknown) => submitBatchCommand(deps, tracker, inputUriOf(arg))),
    // From the palette: the run to act on is asked for; from a Runs view item: that run.
    vscode.commands.registerCommand(CommandId.pause, (arg?: unknown) => controlCommand(manager, 'pause', runIdOf(arg))),
    vscode.commands.registerCommand(CommandId.resume, (arg?: unknown) => controlCommand(manager, 'resume', runIdOf(arg))),
    vscode.commands.registerCommand(CommandId.stop, (arg?: unknown) => controlCommand(manager, 'stop', runIdOf(arg))),
    vscode.commands.registerCommand(CommandId.cancel, (arg?: unknown) => controlCommand(manager, 'cancel', runIdOf(arg))),
    // Given a results file, an input file (its results) or a Runs view item.
    vscode.commands.registerCommand(CommandId.openResults, (arg?: unknown) => openResultsCommand(resultsUriOf(arg))),
    // A run of the input resumes from its results file: what is not done yet, errored lines included.
    // Re-run errored is the same run, offered when there are errors. A rehearsal's stays a rehearsal.
    ...[CommandId.resumeRun, CommandId.rerunErrored].map((id) =>
      vscode.commands.registerCommand(id, (arg?: unknown) => {
        const input = inputUriOf(arg);
        if (input) return vscode.commands.executeCommand(isSimulatedNode(arg) ? CommandId.simulate : CommandId.run, input);
      }),
    ),
    vscode.commands.registerCommand(CommandId.showDashboard, showDashboard),
    vscode.commands.registerCommand(CommandId.setApiKey, async () => {
      if (await keys.promptAndStore()) {
        log.info('API key stored in secret storage');
        void vscode.window.showInformationMessage('Floorline: API key stored in VS Code\'s secret storage.');
      }
    }),
    vscode.commands.registerCommand(CommandId.clearApiKey, async () => {
      await keys.clear();
      log.info('API key removed from secret storage');
      void vscode.window.showInformationMessage('Floorline: API key removed.');
    }),
  );

  void offerResume(manager, deps);
  // Batches submitted before VS Code closed: keep polling them (only in a trusted workspace, which may spend).
  if (vscode.workspace.isTrusted) tracker.resumeAll();
  log.info('Floorline activated');
  return { manager, statusBar, batches: tracker, batchStatusBar, resultsEditors, runsView, batchesView };
}

/** VS Code closed mid-run last time: offer to pick those runs up (their results files know what is done). */
async function offerResume(manager: RunManager, deps: RunCommandDeps): Promise<void> {
  const interrupted = manager.interrupted();
  if (interrupted.length === 0 || !vscode.workspace.isTrusted) return;
  const names = interrupted.map((r) => basename(vscode.Uri.parse(r.uri).fsPath)).join(', ');
  const choice = await vscode.window.showInformationMessage(
    `Floorline: ${interrupted.length === 1 ? 'a run was' : `${interrupted.length} runs were`} interrupted when VS Code closed (${names}). Resume?`,
    'Resume',
    'Dismiss',
  );
  if (choice === 'Dismiss') await manager.forgetInterrupted();
  if (choice !== 'Resume') return;
  for (const r of interrupted) await runFileCommand(deps, vscode.Uri.parse(r.uri), r.simulated);
}

export function deactivate(): void {}
