// A second status bar item, shown only while Message Batches are being polled.
import * as vscode from 'vscode';
import { batchStatusModel, type BatchStatusInput, type BatchStatusModel } from './view-model/batch-status';

export class BatchStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('floorline.batches', vscode.StatusBarAlignment.Left, 99);
  private model: BatchStatusModel | undefined;

  constructor() {
    this.item.name = 'Floorline Message Batches';
  }

  update(jobs: readonly BatchStatusInput[]): void {
    const model = batchStatusModel(jobs, Date.now());
    this.model = model;
    if (!model.text) return this.item.hide();
    this.item.text = model.text;
    this.item.tooltip = new vscode.MarkdownString(model.tooltip, true);
    this.item.show();
  }

  get current(): BatchStatusModel | undefined {
    return this.model;
  }

  dispose(): void {
    this.item.dispose();
  }
}
