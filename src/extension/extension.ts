// The extension's entry point: creates the pieces and wires commands to them. Glue only — what
// runs is the core's (src/core).
import * as vscode from 'vscode';
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

/** What `activate` returns: for the extension tests, to observe runs and the status bar. */
export interface FloorlineApi {
  manager: RunManager;
  statusBar: FloorlineStatusBar;
  batches: BatchTracker;
  batchStatusBar: BatchStatusBar;
  /** The open results editors (their selection, generation and last totals). */
  resultsEditors: ResultsEditorProvider;
}

export function activate(context: vscode.ExtensionContext): FloorlineApi {
  const log = vscode.window.createOutputChannel('Floorline', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const diagnostics = new InputDiagnostics();
  const manager = new RunManager(context, log);
  const statusBar = new FloorlineStatusBar();
  context.subscriptions.push(log, keys, diagnostics, manager, statusBar);

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
  };
  const showDashboard = () => DashboardPanel.show(context, source);
  const deps: RunCommandDeps = { manager, keys, diagnostics, log, showDashboard };
  const tracker = new BatchTracker(context, log, (job) => batchJobOptions(deps, job));
  batches = tracker;
  const batchStatusBar = new BatchStatusBar();
  context.subscriptions.push(
    tracker,
    batchStatusBar,
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
    vscode.commands.registerCommand(CommandId.run, (uri?: vscode.Uri) => runFileCommand(deps, uri, false)),
    vscode.commands.registerCommand(CommandId.simulate, (uri?: vscode.Uri) => runFileCommand(deps, uri, true)),
    vscode.commands.registerCommand(CommandId.submitBatch, (uri?: vscode.Uri) => submitBatchCommand(deps, tracker, uri)),
    vscode.commands.registerCommand(CommandId.pause, () => controlCommand(manager, 'pause')),
    vscode.commands.registerCommand(CommandId.resume, () => controlCommand(manager, 'resume')),
    vscode.commands.registerCommand(CommandId.stop, () => controlCommand(manager, 'stop')),
    vscode.commands.registerCommand(CommandId.cancel, () => controlCommand(manager, 'cancel')),
    vscode.commands.registerCommand(CommandId.showDashboard, showDashboard),
    vscode.commands.registerCommand(CommandId.openResults, (uri?: vscode.Uri) => openResultsCommand(uri)),
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
  return { manager, statusBar, batches: tracker, batchStatusBar, resultsEditors };
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
