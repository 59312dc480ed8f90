// The results editor's bookkeeping, without `vscode` (tested in plain Node): which selection the page
// is drawing (its generation), whether a grown file keeps it, which rows a request may have, and
// how often a file that keeps changing is read again.
import type { ResultsQuery } from '../core/results/result-rows';
import { systemClock, type Clock } from '../core/types';
import { MAX_ROWS_PER_REQUEST, type ResultsQueryModel } from './protocol';

/** The page's query as the index takes it (copied: the page's arrays are not ours to keep). */
export function toResultsQuery(model: ResultsQueryModel): ResultsQuery {
  return { sort: model.sort, descending: model.descending, statuses: [...model.statuses], models: [...model.models], search: model.search.trim() };
}

/** The file's own order, every row: appended rows land at its end and nothing before them moves. */
export function isFileOrder(query: ResultsQuery): boolean {
  return query.sort === 'row' && !query.descending && query.statuses.length === 0 && query.models.length === 0 && query.search === '';
}

export interface RefreshOutcome {
  appended: number;
  /** The file was rewritten (a resume dropped its errored lines): rows are not where they were. */
  reindexed: boolean;
}

/**
 * What a refresh does to the page's selection: nothing (no new rows), the same generation with more
 * rows (rows only appended, and the view is the file's order, so the rows the page holds are still
 * right), or a new selection (sorted, filtered or searched: new rows may land anywhere; or reindexed).
 */
export function afterRefresh(query: ResultsQuery, outcome: RefreshOutcome): 'unchanged' | 'extend' | 'reselect' {
  if (outcome.reindexed) return 'reselect';
  if (outcome.appended <= 0) return 'unchanged';
  return isFileOrder(query) ? 'extend' : 'reselect';
}

/** The rows a request may have: within the selection and at most MAX_ROWS_PER_REQUEST; undefined if none. */
export function clampRows(start: number, count: number, length: number): { start: number; count: number } | undefined {
  if (start >= length || count <= 0) return undefined;
  return { start, count: Math.min(count, MAX_ROWS_PER_REQUEST, length - start) };
}

/**
 * Names selections. Each selection being made gets a ticket (`begin`); when it is ready, `settle`
 * gives the generation to post it under — a new one, or the current one when the caller keeps it
 * (rows only appended) — or undefined when a later selection was begun meanwhile: drop it. Rows
 * asked for under any generation but `current` are stale.
 */
export class Generations {
  private tickets = 0;
  private shown = 0;

  /** A new selection is being made: its ticket. */
  begin(): number {
    return ++this.tickets;
  }

  settle(ticket: number, keep: boolean): number | undefined {
    if (ticket !== this.tickets) return undefined;
    if (!keep || this.shown === 0) this.shown++;
    return this.shown;
  }

  /** The generation the page draws (0 before the first). */
  get current(): number {
    return this.shown;
  }
}

/** ~4 reads a second at most: a live run appends many times a second. */
const REFRESH_INTERVAL_MS = 250;

/**
 * Runs `refresh` after a change, at most once per interval, never two at once: changes during a
 * refresh run it once more afterwards. A burst of changes is one refresh, after the first has
 * waited `intervalMs` (debounced), and a steady stream is one refresh per interval (throttled).
 */
export class RefreshThrottle {
  private timer: unknown;
  private running = false;
  private dirty = false;
  private disposed = false;
  private lastRunAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: number = REFRESH_INTERVAL_MS,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The file changed. */
  poke(): void {
    if (this.disposed) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.timer !== undefined) return; // the pending run will read the latest
    const now = this.clock.now();
    const wait = Math.max(this.intervalMs, this.lastRunAt + this.intervalMs - now);
    this.timer = this.clock.setTimeout(() => void this.run(), wait);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.disposed) return;
    this.running = true;
    this.dirty = false;
    this.lastRunAt = this.clock.now();
    try {
      await this.refresh();
    } catch {
      // `refresh` reports its own failures; the next change tries again.
    } finally {
      this.running = false;
    }
    if (this.dirty) this.poke();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
