// The extension's entry point. Glue only: everything it runs lives in src/core.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Floorline', { log: true });
  context.subscriptions.push(log);
  log.info('Floorline activated');
}

export function deactivate(): void {}
