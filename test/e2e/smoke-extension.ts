// A minimal real extension, written at test time, that proves the e2e infrastructure end to end:
// a palette command, an Explorer context-menu entry for .jsonl files, a status bar item with a
// warning background, a diagnostic in the Problems panel, an application-scoped user setting and
// the workspace trust state (shown in the item's text so the test can assert them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SMOKE_ID = 'floorline-e2e.floorline-smoke';
export const SMOKE_COMMAND_TITLE = 'Smoke: Hello';

const manifest = {
  name: 'floorline-smoke',
  displayName: 'Floorline e2e smoke',
  description: 'Fixture for the end-to-end test infrastructure.',
  publisher: 'floorline-e2e',
  version: '0.0.1',
  license: 'MIT',
  engines: { vscode: '^1.100.0' },
  main: './extension.js',
  activationEvents: [],
  capabilities: { untrustedWorkspaces: { supported: 'limited', description: 'Reports trust only.' } },
  contributes: {
    commands: [{ command: 'smoke.hello', title: SMOKE_COMMAND_TITLE }],
    menus: {
      'explorer/context': [{ command: 'smoke.hello', when: 'resourceExtname == .jsonl', group: 'navigation' }],
    },
    configuration: {
      title: 'Smoke',
      properties: { 'smoke.greeting': { type: 'string', default: 'default', scope: 'application' } },
    },
  },
};

const extensionJs = `
const vscode = require('vscode');
const path = require('path');

exports.activate = function (context) {
  const item = vscode.window.createStatusBarItem('smoke.status', vscode.StatusBarAlignment.Left, 1000);
  item.name = 'Smoke';
  const diagnostics = vscode.languages.createDiagnosticCollection('smoke');
  context.subscriptions.push(item, diagnostics);
  context.subscriptions.push(
    vscode.commands.registerCommand('smoke.hello', (uri) => {
      const greeting = vscode.workspace.getConfiguration('smoke').get('greeting');
      const file = uri ? ' file=' + path.basename(uri.fsPath) : '';
      item.text = 'smoke-ok ' + greeting + ' trusted=' + vscode.workspace.isTrusted + file;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      item.show();
      const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
      if (folder) {
        const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), 'smoke diagnostic', vscode.DiagnosticSeverity.Warning);
        d.source = 'smoke';
        diagnostics.set(vscode.Uri.joinPath(folder.uri, 'sample.jsonl'), [d]);
      }
    }),
  );
};
exports.deactivate = function () {};
`;

/** Writes the extension's sources into `dir` (created). */
export function writeSmokeExtension(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'extension.js'), extensionJs);
  writeFileSync(join(dir, 'README.md'), '# Floorline e2e smoke\n\nTest fixture.\n');
  return dir;
}
