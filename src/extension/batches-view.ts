// The Batches view: the Message Batches the tracker polls, one item per file, with their counts and
// expiry in batch-status's words. Redrawn when the tracker changes.
import * as vscode from 'vscode';
import type { BatchTracker } from './batch-tracker';
import { batchItems, type TreeItemModel } from './view-model/runs-tree-model';
import { toTreeItem } from './runs-view';

const BATCHES_VIEW_ID = 'floorline.batches';

export class BatchesView implements vscode.TreeDataProvider<TreeItemModel>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly tracker: BatchTracker) {
    this.disposables = [this.changed, tracker.onDidChange(() => this.changed.fire()), vscode.window.registerTreeDataProvider(BATCHES_VIEW_ID, this)];
  }

  getTreeItem(item: TreeItemModel): vscode.TreeItem {
    return toTreeItem(item);
  }

  getChildren(item?: TreeItemModel): TreeItemModel[] {
    return item ? [] : this.items();
  }

  /** What the view shows, as plain data (for the extension tests). */
  items(): TreeItemModel[] {
    return batchItems(this.tracker.current, Date.now());
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
