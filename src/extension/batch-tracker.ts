// Message Batches submitted from this VS Code: polled in the background until they end, their
// results written by the core, a notification when each file's batches are done. The files being
// tracked are remembered in globalState, so polling picks up again after VS Code restarts (the
// batch ids themselves live beside each file, in its .batches.json).
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { collectBatches, type BatchJobOptions, type BatchState } from '../core/batches';
import { CommandId } from './command-ids';
import type { BatchStatusInput } from './view-model/batch-status';

const TRACKED_KEY = 'floorline.batchJobs';
/** Small batches can end within seconds; large ones take minutes to hours, so the interval grows ×1.5 to 5 min. */
const POLL_MS = 5_000;
const MAX_POLL_MS = 5 * 60_000;

export interface TrackedJob {
  inputPath: string;
  resultsPath: string;
  statePath: string;
}

/** What the status bar and dashboard show of one file's batches. */
export type BatchView = BatchStatusInput;

function viewOf(name: string, state: BatchState): BatchView {
  const sum = (k: keyof BatchState['batches'][number]['counts']) => state.batches.reduce((n, b) => n + b.counts[k], 0);
  const open = state.batches.filter((b) => b.status !== 'ended');
  return {
    name,
    batches: state.batches.length,
    processing: sum('processing'),
    succeeded: sum('succeeded'),
    errored: sum('errored'),
    canceled: sum('canceled'),
    expired: sum('expired'),
    expiresAt: open.map((b) => b.expiresAt).sort()[0],
    ended: state.batches.every((b) => b.collected),
  };
}

export class BatchTracker implements vscode.Disposable {
  private readonly views = new Map<string, BatchView>();
  private readonly polling = new Set<string>();
  private disposed = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** Builds the core's options for a tracked job (the API key is fetched when needed, never stored here). */
    private readonly optionsFor: (job: TrackedJob) => Promise<BatchJobOptions | undefined>,
  ) {}

  get current(): BatchView[] {
    return [...this.views.values()];
  }

  private tracked(): TrackedJob[] {
    return this.context.globalState.get<TrackedJob[]>(TRACKED_KEY, []);
  }

  /** Start (or keep) polling a file's batches until they have all ended and been collected. */
  async track(job: TrackedJob): Promise<void> {
    const others = this.tracked().filter((j) => j.inputPath !== job.inputPath);
    await this.context.globalState.update(TRACKED_KEY, [...others, job]);
    void this.poll(job);
  }

  /** After a restart: everything still tracked is polled again. */
  resumeAll(): void {
    for (const job of this.tracked()) void this.poll(job);
  }

  private async poll(job: TrackedJob): Promise<void> {
    if (this.polling.has(job.inputPath)) return;
    const options = await this.optionsFor(job);
    if (!options) return;
    this.polling.add(job.inputPath);
    const name = basename(job.inputPath);
    try {
      const outcome = await collectBatches(options, {
        pollMs: POLL_MS,
        maxPollMs: MAX_POLL_MS,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, this.disposed ? 0 : ms)),
        onPoll: (state) => {
          if (this.disposed) throw new Error('disposed');
          this.views.set(job.inputPath, viewOf(name, state));
          this.changed.fire();
        },
      });
      const view = viewOf(name, outcome.state);
      this.views.set(job.inputPath, view);
      this.changed.fire();
      await this.context.globalState.update(TRACKED_KEY, this.tracked().filter((j) => j.inputPath !== job.inputPath));
      this.log.info(`${name}: Message Batch ended — ${view.succeeded} succeeded, ${view.errored} errored, ${view.canceled} canceled, ${view.expired} expired`);
      const allGood = view.errored + view.canceled + view.expired === 0;
      const show = allGood ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      const choice = await show(
        `Floorline: the Message Batch for ${name} ended — ${view.succeeded} succeeded, ${view.errored} errored, ${view.canceled} canceled, ${view.expired} expired.`,
        'Open Results',
      );
      if (choice) await vscode.commands.executeCommand(CommandId.openResults, vscode.Uri.file(job.resultsPath));
    } catch (err) {
      if (!this.disposed) this.log.error(`${name}: polling its Message Batches failed: ${(err as Error).message}; it will be polled again when VS Code restarts`);
    } finally {
      this.polling.delete(job.inputPath);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.changed.dispose();
  }
}
