// The results page's window on the rows, without DOM: which rows a viewport shows, which pages of
// rows to ask the host for, which to forget, where the scroll goes when the view changes and how the
// keyboard moves the selection (the queries are ./query.ts). Pure functions and one DOM-free cache,
// so test/unit/media/results-page.test.ts runs them in plain Node.
//
// The page never holds the file: the host owns the rows and the query; the page holds a window of
// pages (PAGE_SIZE rows each, at most MAX_PAGES of them) of the selection the host names by
// `generation`, and asks for the pages the viewport needs.
import type { ResultRowModel } from '../../src/extension/protocol';

/** Every row is this tall (px): the table's CSS sets the same height (results-table styles use it). */
export const ROW_HEIGHT = 24;
/**
 * Rows per request, aligned to multiples of it. Within the protocol's MAX_ROWS_PER_REQUEST (a value
 * the page cannot import: it bundles nothing of the host's; the unit test checks the bound).
 */
export const PAGE_SIZE = 200;
/** Rows drawn beyond each edge of the viewport, so a small scroll shows no placeholders. */
const OVERSCAN = 8;
/** Pages held at most: 10 × 200 = 2,000 rows, whatever the size of the file. */
export const MAX_PAGES = 10;
/** A page asked for and not answered within this long is asked for again. */
export const REQUEST_RETRY_MS = 5_000;
/** Holding Down moves the selection every few ms: only the row it rests on is worth a detail. */
export const DETAIL_DEBOUNCE_MS = 120;

/** Rows `start`..`end - 1`. */
export interface RowRange {
  start: number;
  end: number;
}

export interface RowsRequest {
  start: number;
  count: number;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The rows a viewport `height` px tall shows at `scrollTop`, with `overscan` rows either side. */
export function visibleRange(scrollTop: number, height: number, length: number, rowHeight = ROW_HEIGHT, overscan = OVERSCAN): RowRange {
  if (length <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, height)) / rowHeight);
  const start = clamp(first - overscan, 0, length);
  return { start, end: clamp(last + overscan, start, length) };
}

/** The pages holding the rows of `range`. */
export function pagesFor(range: RowRange, pageSize = PAGE_SIZE): number[] {
  if (range.end <= range.start) return [];
  const pages: number[] = [];
  for (let p = Math.floor(range.start / pageSize); p <= Math.floor((range.end - 1) / pageSize); p++) pages.push(p);
  return pages;
}

/** The rows page `page` holds in a selection of `length` rows (empty past the end). */
export function pageRange(page: number, length: number, pageSize = PAGE_SIZE): RowRange {
  const start = page * pageSize;
  return { start: Math.min(start, length), end: Math.min(start + pageSize, length) };
}

/** What a new `results/view` did to the rows already held. */
export type ViewChange = 'reset' | 'grew' | 'shrank' | 'same';

/**
 * The pages of rows the page holds, for one selection (`generation`). A new generation drops them
 * all; the same one growing keeps them (a live file appends at the end).
 */
export class RowCache {
  generation = -1;
  length = 0;
  private readonly pages = new Map<number, Array<ResultRowModel | undefined>>();
  /** Pages asked for and not answered yet, with when they were asked. */
  private readonly requested = new Map<number, number>();

  constructor(private readonly pageSize = PAGE_SIZE) {}

  /** Takes a `results/view`'s generation and length. */
  setView(generation: number, length: number): ViewChange {
    if (generation !== this.generation) {
      this.generation = generation;
      this.length = length;
      this.pages.clear();
      this.requested.clear();
      return 'reset';
    }
    const before = this.length;
    this.length = length;
    if (length >= before) return length > before ? 'grew' : 'same';
    // The guard of the protocol says a generation only grows; if it did not, forget what is gone.
    for (const [page, rows] of this.pages) {
      const { start, end } = pageRange(page, length, this.pageSize);
      if (end <= start) this.pages.delete(page);
      else rows.length = Math.min(rows.length, end - start);
    }
    return 'shrank';
  }

  /** Takes a `results/rows`; rows of another generation (an older query) are dropped. */
  addRows(generation: number, start: number, rows: readonly ResultRowModel[]): boolean {
    if (generation !== this.generation || !Number.isSafeInteger(start) || start < 0) return false;
    let stored = false;
    for (let i = 0; i < rows.length; i++) {
      const index = start + i;
      if (index >= this.length) break;
      const page = Math.floor(index / this.pageSize);
      let held = this.pages.get(page);
      if (!held) this.pages.set(page, (held = []));
      held[index - page * this.pageSize] = rows[i];
      this.requested.delete(page);
      stored = true;
    }
    return stored;
  }

  row(index: number): ResultRowModel | undefined {
    const page = Math.floor(index / this.pageSize);
    return index < this.length ? this.pages.get(page)?.[index - page * this.pageSize] : undefined;
  }

  private complete(page: number): boolean {
    const rows = this.pages.get(page);
    if (!rows) return false;
    const { start, end } = pageRange(page, this.length, this.pageSize);
    for (let i = 0; i < end - start; i++) if (rows[i] === undefined) return false;
    return true;
  }

  /**
   * What to ask the host for so `range` can be drawn: each page not held whole and not asked for
   * lately, as one aligned request. Marks them asked for at `now`.
   */
  requests(range: RowRange, now: number): RowsRequest[] {
    const out: RowsRequest[] = [];
    for (const page of pagesFor({ start: range.start, end: Math.min(range.end, this.length) }, this.pageSize)) {
      if (this.complete(page)) continue;
      const asked = this.requested.get(page);
      if (asked !== undefined && now - asked < REQUEST_RETRY_MS) continue;
      const { start, end } = pageRange(page, this.length, this.pageSize);
      this.requested.set(page, now);
      out.push({ start, count: end - start });
    }
    return out;
  }

  /** Forgets the pages farthest from `range` until at most `maxPages` are held; returns them. */
  evict(range: RowRange, maxPages = MAX_PAGES): number[] {
    if (this.pages.size <= maxPages) return [];
    const centre = (range.start + range.end) / 2 / this.pageSize;
    const needed = new Set(pagesFor(range, this.pageSize));
    const byDistance = [...this.pages.keys()].sort((a, b) => Number(needed.has(b)) - Number(needed.has(a)) || Math.abs(a + 0.5 - centre) - Math.abs(b + 0.5 - centre));
    const dropped = byDistance.slice(Math.max(maxPages, needed.size));
    for (const page of dropped) {
      this.pages.delete(page);
      this.requested.delete(page);
    }
    return dropped.sort((a, b) => a - b);
  }

  /** The pages held (for tests and for the eviction bound). */
  heldPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** How many rows are held. */
  heldRows(): number {
    let n = 0;
    for (const rows of this.pages.values()) for (const row of rows) if (row !== undefined) n++;
    return n;
  }
}

// ── Scrolling ──────────────────────────────────────────────────────────────

/** The scroll position that shows the last row at the bottom of a viewport `height` px tall. */
export function endScrollTop(length: number, height: number, rowHeight = ROW_HEIGHT): number {
  return Math.max(0, length * rowHeight - height);
}

/** Whether the viewport shows the end (within half a row): a growing file is then followed. */
export function isAtEnd(scrollTop: number, height: number, length: number, rowHeight = ROW_HEIGHT): boolean {
  return scrollTop >= endScrollTop(length, height, rowHeight) - rowHeight / 2;
}

/**
 * Where the scroll goes after a `results/view`: to the top for a new selection, to the new end
 * when the same one grew while the end was in view ("the view follows" a live file), else stays.
 */
export function scrollAfterView(change: ViewChange, wasAtEnd: boolean, scrollTop: number, length: number, height: number, rowHeight = ROW_HEIGHT): number {
  if (change === 'reset') return 0;
  if (change === 'grew' && wasAtEnd) return endScrollTop(length, height, rowHeight);
  return Math.min(scrollTop, endScrollTop(length, height, rowHeight));
}

/** The scroll position that brings row `index` whole into view, moving as little as it can. */
export function revealScrollTop(index: number, scrollTop: number, height: number, rowHeight = ROW_HEIGHT): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return Math.max(0, top + rowHeight - height);
  return scrollTop;
}

/** Rows a PageUp/PageDown moves: a viewport's worth, less one so a row stays in sight. */
export function rowsPerPage(height: number, rowHeight = ROW_HEIGHT): number {
  return Math.max(1, Math.floor(height / rowHeight) - 1);
}

/** Where a key moves the selection (`current` -1: none yet); undefined for keys that do not move it. */
export function moveSelection(key: string, current: number, length: number, pageRows: number): number | undefined {
  if (length <= 0) return undefined;
  const last = length - 1;
  const from = clamp(current, -1, last);
  switch (key) {
    case 'ArrowDown':
      return clamp(from + 1, 0, last);
    case 'ArrowUp':
      return clamp(from - 1, 0, last);
    case 'PageDown':
      return clamp(from + pageRows, 0, last);
    case 'PageUp':
      return clamp(from - pageRows, 0, last);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return undefined;
  }
}
