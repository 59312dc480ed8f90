// The Floorline Results editor: `*.results.jsonl` as a read-only table (custom editor). This file
// registers it and sets each editor's webview up; what happens in one lives in results-session.ts.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { defaultResultsPath, isResultsPath, simulatedResultsPath } from '../core/results/paths';
import { resultsHtml } from './view-model/results-html';
import { pageAssets, webviewOptions } from './webview-setup';
import { ResultsDocument, ResultsSession, type ResultsEditorDeps, type ResultsSessionState } from './results-session';

export class ResultsEditorProvider implements vscode.CustomReadonlyEditorProvider<ResultsDocument> {
  static readonly viewType = 'floorline.results';
  private readonly open = new Set<ResultsSession>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: ResultsEditorDeps,
  ) {}

  /** The open editors, for the extension tests. */
  get sessions(): ReadonlySet<ResultsSession> {
    return this.open;
  }

  states(): ResultsSessionState[] {
    return [...this.open].map((s) => s.state());
  }

  async openCustomDocument(uri: vscode.Uri): Promise<ResultsDocument> {
    try {
      return await ResultsDocument.open(uri);
    } catch (err) {
      // VS Code shows its own "could not open" page; the log says why.
      this.deps.log.error(`${uri.fsPath}: ${(err as Error).message}`);
      throw err;
    }
  }

  async resolveCustomEditor(document: ResultsDocument, panel: vscode.WebviewPanel): Promise<void> {
    const webview = panel.webview;
    webview.options = webviewOptions(this.extensionUri);
    panel.iconPath = new vscode.ThemeIcon('table');
    const session = new ResultsSession(document, panel, this.deps, () => this.open.delete(session));
    this.open.add(session);
    // Set after the session listens: the page's `ready` must find it.
    webview.html = resultsHtml(pageAssets(webview, this.extensionUri, 'results'));
  }
}

/** Registers the editor; the registration is the context's to dispose. */
export function registerResultsEditor(context: vscode.ExtensionContext, deps: ResultsEditorDeps): ResultsEditorProvider {
  const provider = new ResultsEditorProvider(context.extensionUri, deps);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(ResultsEditorProvider.viewType, provider, {
      // The page asks for its rows again when shown (`ready`): no need to keep a hidden one alive.
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  return provider;
}

/**
 * Floorline: Open Results — a results file in the results editor; for an input file, its results
 * (the real ones, else a rehearsal's). Without a file: the active editor's.
 */
export async function openResultsCommand(uri: vscode.Uri | undefined): Promise<void> {
  uri ??= activeFile();
  if (!uri) {
    void vscode.window.showInformationMessage('Floorline: open a .jsonl file (or its results) first, or right-click one in the Explorer.');
    return;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Floorline: ${uri.toString()} is not a local file.`);
    return;
  }
  let target = uri;
  if (!isResultsPath(uri.fsPath)) {
    const real = defaultResultsPath(uri.fsPath);
    const rehearsal = simulatedResultsPath(real);
    const found = [real, rehearsal].find((p) => existsSync(p));
    if (!found) {
      void vscode.window.showInformationMessage(`Floorline: ${basename(uri.fsPath)} has no results yet (${basename(real)}). Run or simulate it first.`);
      return;
    }
    target = vscode.Uri.file(found);
  }
  await vscode.commands.executeCommand('vscode.openWith', target, ResultsEditorProvider.viewType);
}

/** The file of the active tab: a text editor's, or a custom editor's (the results editor itself). */
function activeFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}
