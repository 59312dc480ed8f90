// One status bar item, present from activation: live run figures, or today's spend when idle.
// Its text, tooltip and colour come from the pure `statusBarModel`.
import * as vscode from 'vscode';
import { CommandId } from './command-ids';
import { statusBarModel, type StatusBarInput, type StatusBarModel } from './view-model/status-bar-model';

export class FloorlineStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('floorline.status', vscode.StatusBarAlignment.Left, 100);
  private model: StatusBarModel | undefined;

  constructor() {
    this.item.name = 'Floorline';
    this.item.command = CommandId.showDashboard;
    this.item.show();
  }

  update(input: StatusBarInput): void {
    const model = statusBarModel(input);
    this.model = model;
    this.item.text = model.text;
    const tooltip = new vscode.MarkdownString(model.tooltip, true);
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      model.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : model.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  /** What the item shows now (for the extension tests, which cannot read the status bar itself). */
  get current(): StatusBarModel | undefined {
    return this.model;
  }

  dispose(): void {
    this.item.dispose();
  }
}
