// From the command palette, Run and Simulate ask which file: a quick pick of the workspace's .jsonl files.
import * as vscode from 'vscode';

const MAX_FILES = 2_000;

export async function pickJsonlFile(purpose: string): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.jsonl', '{**/node_modules/**,**/*.results.jsonl}', MAX_FILES);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('Floorline: this workspace has no .jsonl files.');
    return undefined;
  }
  const items = files
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const picked = await vscode.window.showQuickPick(items, { title: `Floorline: ${purpose}`, placeHolder: 'Which JSONL file?', matchOnDescription: true });
  return picked?.uri;
}
