// Results files' totals for the Runs view and the dashboard's past runs, counted lazily and one
// file at a time (a workspace may hold many large results files; reading them all at once would
// stall the extension host), and kept per file by (size, mtime) so a watcher event re-reads only
// the file that changed. No `vscode` here: the reading and stat-ing are handed in (tests use fakes).
import type { ResultsTotals } from '../core/results/result-rows';
import type { TotalsState } from './view-model/runs-tree-model';

export interface TotalsCacheDeps {
  stat(path: string): Promise<{ size: number; mtimeMs: number }>;
  /** Reads the whole file (ResultsIndex.open(path) then totals()). */
  count(path: string): Promise<ResultsTotals>;
  /** Some file's totals changed (or became known): views redraw. */
  onDidCount(): void;
}

interface Entry {
  size: number;
  mtimeMs: number;
  value: TotalsState;
  /** The file may have changed since it was counted: stat it again on the next `get`. */
  stale: boolean;
}

export class TotalsCache {
  private readonly entries = new Map<string, Entry>();
  /** Files waiting to be checked, in order; a Set so a burst of watcher events queues a file once. */
  private readonly queue = new Set<string>();
  private working = false;
  private disposed = false;
  /** The file being counted now, and whether the watcher saw it change meanwhile. */
  private counting: string | undefined;
  private changedWhileCounting = false;

  constructor(private readonly deps: TotalsCacheDeps) {}

  /**
   * What is known of a file's totals now. An unknown or changed file is queued for counting; until
   * it is counted the caller gets `counting` (or the previous totals of a file that grew, so a
   * growing file does not flicker to "…" at every append).
   */
  get(path: string): TotalsState {
    const entry = this.entries.get(path);
    if (!entry || entry.stale) this.enqueue(path);
    return entry?.value ?? { state: 'counting' };
  }

  /** The watcher saw the file change: re-check it when it is next asked for. */
  invalidate(path: string): void {
    const entry = this.entries.get(path);
    if (entry) entry.stale = true;
    if (this.counting === path) this.changedWhileCounting = true;
  }

  /** The file was deleted. */
  forget(path: string): void {
    this.entries.delete(path);
    this.queue.delete(path);
  }

  private enqueue(path: string): void {
    this.queue.add(path);
    void this.work();
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (!this.disposed) {
        const next = this.queue.values().next();
        if (next.done) break;
        const path = next.value;
        this.queue.delete(path);
        if (await this.check(path)) this.deps.onDidCount();
      }
    } finally {
      this.working = false;
    }
  }

  /** Whether what is known of the file changed. */
  private async check(path: string): Promise<boolean> {
    const before = this.entries.get(path);
    let stat;
    try {
      stat = await this.deps.stat(path);
    } catch (err) {
      // Gone between the listing and now: nothing to show for it.
      this.entries.set(path, { size: -1, mtimeMs: -1, value: { state: 'error', message: messageOf(err) }, stale: false });
      return true;
    }
    if (before && before.size === stat.size && before.mtimeMs === stat.mtimeMs && before.value.state !== 'counting') {
      before.stale = false;
      return false;
    }
    let value: TotalsState;
    this.counting = path;
    this.changedWhileCounting = false;
    try {
      value = { state: 'ready', totals: await this.deps.count(path) };
    } catch (err) {
      value = { state: 'error', message: messageOf(err) };
    } finally {
      this.counting = undefined;
    }
    if (this.disposed) return false;
    // Changed during the count: what was read may be short of the file, so the next `get` checks again.
    this.entries.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, value, stale: this.changedWhileCounting });
    return true;
  }

  dispose(): void {
    this.disposed = true;
    this.queue.clear();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
