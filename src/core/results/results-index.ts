// A results file as a table for a viewer of 100,000+ rows, without holding the file: each row is a
// few typed-array slots (row-columns.ts) and its line's byte offset; a row's text is read back from
// the file when it is shown. A live run only appends, so `refresh` reads just the new lines; a resume
// rewrites the file (atomically: a new inode), which `refresh` notices and indexes afresh.
//
// The file is only ever read, never written (it may be a link: reading through one changes nothing).
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ResultDetail, ErrorGroup, ResultRow, ResultsQuery, ResultsTotals } from './result-rows';
import { RESULT_STATUSES } from './result-rows';
import { parseResultLine, previewOf, type ResultFields } from './result-fields';
import { type ScanPosition, readRanges, scanLines } from '../files/line-scanner';
import { filterRows, searchRows, sortRows } from './results-query';
import { NO_ERROR, RowColumns } from './row-columns';
import type { ResultLine } from '../types';

/** Rows in a query's order: what `rows` pages through. */
export interface ResultsSelection {
  readonly length: number;
  readonly query: ResultsQuery;
  /** The row (0-based, in the file's order) at position `i` of the selection. */
  rowAt(i: number): number;
}

class Selection implements ResultsSelection {
  constructor(readonly query: ResultsQuery, readonly order: Uint32Array, readonly generation: number) {}

  get length(): number {
    return this.order.length;
  }

  rowAt(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.order.length)) throw new RangeError(`no position ${i} in a selection of ${this.order.length} rows`);
    return this.order[i]!;
  }
}

/** Bytes of the file's start remembered to notice it was rewritten in place (same inode). */
const HEAD_BYTES = 256;
/** Unreadable lines whose numbers are kept for the totals. */
const UNREADABLE_KEPT = 10;
const WS = new Set([0x20, 0x09, 0x0d, 0x0b, 0x0c]);

export class ResultsIndex {
  private cols = new RowColumns();
  private position: ScanPosition = { offset: 0, line: 1 };
  private partialTail = false;
  private unreadable = 0;
  private unreadableLines: number[] = [];
  private sums = new Float64Array(5); // cost, input, output, cache read, cache write
  private statusRows = new Float64Array(RESULT_STATUSES.length);
  private modelRows: number[] = [];
  private simulatedRows = 0;
  /** Which file was indexed: a rewrite renames a new file (a new inode) over the path. */
  private identity: { dev: number; ino: number } | undefined;
  private head: Buffer = Buffer.alloc(0);
  /** Bumped by every re-index: selections from before refer to rows that no longer exist. */
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Indexes `path` (streamed in 1 MiB reads). Rejects if it cannot be read or is not a regular file. */
  static async open(path: string): Promise<ResultsIndex> {
    const index = new ResultsIndex(path);
    await index.refresh();
    return index;
  }

  /**
   * Indexes what was appended since: the complete lines only (a last line without its line break is
   * not a row yet). A file that shrank, was replaced or whose start changed is indexed from scratch.
   */
  refresh(): Promise<{ appended: number; reindexed: boolean }> {
    return this.exclusive(() =>
      this.withFile(async (file, stat) => {
        const first = this.identity === undefined;
        const fresh = first || !(await this.sameFile(file, stat));
        if (fresh) this.reset(stat);
        const before = this.cols.length;
        const end = await scanLines(file, this.position, (bytes, start, stop, offset, line) => this.add(bytes, start, stop, offset, line), (line) => this.addUnreadable(line));
        this.position = { offset: end.offset, line: end.line };
        this.partialTail = end.partialTail;
        if (this.head.length < Math.min(HEAD_BYTES, end.offset)) this.head = await readHead(file, Math.min(HEAD_BYTES, end.offset));
        return { appended: this.cols.length - before, reindexed: fresh && !first };
      }),
    );
  }

  totals(): ResultsTotals {
    const c = this.cols;
    const latencies = new Float64Array(c.length);
    let n = 0;
    for (let r = 0; r < c.length; r++) if (!Number.isNaN(c.latencyMs[r]!)) latencies[n++] = c.latencyMs[r]!;
    const sorted = latencies.subarray(0, n).sort();
    const models = c.models.names.map((model, i) => ({ model, rows: this.modelRows[i]! })).filter((m) => m.rows > 0);
    models.sort((a, b) => b.rows - a.rows || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
    return {
      rows: c.length,
      succeeded: this.statusRows[0]!,
      errored: this.statusRows[1]!,
      canceled: this.statusRows[2]!,
      expired: this.statusRows[3]!,
      costUsd: this.sums[0]!,
      inputTokens: this.sums[1]!,
      outputTokens: this.sums[2]!,
      cacheReadTokens: this.sums[3]!,
      cacheWriteTokens: this.sums[4]!,
      latencyP50Ms: nearestRank(sorted, 50),
      latencyP95Ms: nearestRank(sorted, 95),
      models,
      simulatedRows: this.simulatedRows,
      unreadable: this.unreadable,
      unreadableLines: [...this.unreadableLines],
      partialTail: this.partialTail,
      bytes: this.position.offset,
    };
  }

  /** The model names in the file, sorted (for a filter's choices). */
  models(): string[] {
    return this.cols.models.names.filter((_, i) => this.modelRows[i]! > 0).sort();
  }

  /** The rows matching `query`, in its order. A search reads the candidate lines again (in batches). */
  select(query: ResultsQuery): Promise<ResultsSelection> {
    const own: ResultsQuery = { ...query, statuses: [...query.statuses], models: [...query.models] };
    return this.exclusive(async () => {
      let rows = filterRows(this.cols, own);
      if (own.search !== '') {
        const candidates = rows;
        rows = await this.withFile((file) => searchRows(file, this.cols, candidates, own.search));
      }
      return new Selection(own, sortRows(this.cols, rows, own), this.generation);
    });
  }

  /** Rows [start, start + count) of `selection`, read from the file (one read for rows close together). */
  rows(selection: ResultsSelection, start: number, count: number): Promise<ResultRow[]> {
    return this.exclusive(async () => {
      if (selection instanceof Selection && selection.generation !== this.generation) {
        throw new Error(`${this.path} was rewritten and indexed again since this selection was made: select again`);
      }
      const from = Math.max(0, Math.floor(start));
      const to = Math.min(selection.length, from + Math.max(0, Math.floor(count)));
      const wanted: number[] = [];
      for (let i = from; i < to; i++) wanted.push(selection.rowAt(i));
      const lines = await this.readRows(wanted);
      return lines.map(({ fields, value }, k) => this.rowOf(wanted[k]!, fields, value));
    });
  }

  /** Everything row `row`'s line holds; undefined for a row that does not exist. */
  detail(row: number): Promise<ResultDetail | undefined> {
    return this.exclusive(async () => {
      if (!(Number.isInteger(row) && row >= 0 && row < this.cols.length)) return undefined;
      const [{ fields, value }] = (await this.readRows([row])) as [{ fields: ResultFields; value: ResultLine }];
      return { row: this.rowOf(row, fields, value), result: value };
    });
  }

  /** The errored rows grouped by error type, most first, each with its first `examplesPerGroup` lines. */
  errorGroups(examplesPerGroup = 20): Promise<ErrorGroup[]> {
    return this.exclusive(async () => {
      const c = this.cols;
      const counts = new Array<number>(c.errorTypes.names.length).fill(0);
      const examples: number[][] = counts.map(() => []);
      for (let r = 0; r < c.length; r++) {
        const t = c.errorType[r]!;
        if (t === NO_ERROR) continue;
        counts[t]!++;
        if (examples[t]!.length < examplesPerGroup) examples[t]!.push(r);
      }
      const lines = await this.readRows(examples.flat());
      let k = 0;
      const groups: ErrorGroup[] = [];
      examples.forEach((rows, t) => {
        const group: ErrorGroup = { type: c.errorTypes.names[t]!, count: counts[t]!, examples: [] };
        for (const r of rows) group.examples.push({ line: c.line[r]!, customId: c.customId(r), message: lines[k++]!.fields.errorMessage ?? '' });
        if (group.count > 0) groups.push(group);
      });
      return groups.sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    });
  }

  // -------------------------------------------------------------------------------------------

  private add(bytes: Buffer, start: number, end: number, offset: number, line: number): void {
    if (start === end) return;
    if (WS.has(bytes[start]!)) {
      let i = start;
      while (i < end && WS.has(bytes[i]!)) i++;
      if (i === end) return; // blank: counted in line numbers, not a row
    }
    const parsed = parseResultLine(bytes.toString('utf8', start, end));
    if (!parsed) return this.addUnreadable(line);
    const f = parsed.fields;
    const r = this.cols.length;
    this.cols.push(offset, end - start, line, f);
    this.sums[0]! += f.costUsd ?? 0;
    this.sums[1]! += f.inputTokens ?? 0;
    this.sums[2]! += f.outputTokens ?? 0;
    this.sums[3]! += f.cacheReadTokens ?? 0;
    this.sums[4]! += f.cacheWriteTokens ?? 0;
    this.statusRows[this.cols.status[r]!]!++;
    const m = this.cols.model[r]!;
    this.modelRows[m] = (this.modelRows[m] ?? 0) + 1;
    if (f.simulated) this.simulatedRows++;
  }

  private addUnreadable(line: number): void {
    this.unreadable++;
    if (this.unreadableLines.length < UNREADABLE_KEPT) this.unreadableLines.push(line);
  }

  private reset(stat: fs.Stats): void {
    this.cols = new RowColumns();
    this.position = { offset: 0, line: 1 };
    this.partialTail = false;
    this.unreadable = 0;
    this.unreadableLines = [];
    this.sums = new Float64Array(5);
    this.statusRows = new Float64Array(RESULT_STATUSES.length);
    this.modelRows = [];
    this.simulatedRows = 0;
    this.identity = { dev: stat.dev, ino: stat.ino };
    this.head = Buffer.alloc(0);
    this.generation++;
  }

  /** Whether `file` is still the file indexed, only grown: same inode, no shorter, same start, a line break where indexing stopped. */
  private async sameFile(file: FileHandle, stat: fs.Stats): Promise<boolean> {
    if (stat.dev !== this.identity!.dev || stat.ino !== this.identity!.ino || stat.size < this.position.offset) return false;
    if (!(await readHead(file, this.head.length)).equals(this.head)) return false;
    if (this.position.offset === 0) return true;
    const last = Buffer.alloc(1);
    await file.read(last, 0, 1, this.position.offset - 1);
    return last[0] === 0x0a;
  }

  /** The parsed lines of `rows`, in that order. A line that no longer parses means the file changed under the index. */
  private readRows(rows: readonly number[]): Promise<Array<{ fields: ResultFields; value: ResultLine }>> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.withFile(async (file, stat) => {
      if (this.identity && (stat.dev !== this.identity.dev || stat.ino !== this.identity.ino || stat.size < this.position.offset)) throw this.changed();
      const texts = await readRanges(file, rows.map((r) => ({ offset: this.cols.offset[r]!, bytes: this.cols.bytes[r]! })));
      return texts.map((text) => {
        const parsed = parseResultLine(text);
        if (!parsed) throw this.changed();
        return parsed;
      });
    });
  }

  private changed(): Error {
    return new Error(`${this.path} changed since it was indexed (it was rewritten, e.g. by a resumed run): refresh and select again`);
  }

  private rowOf(row: number, f: ResultFields, value: ResultLine): ResultRow {
    return {
      row,
      line: this.cols.line[row]!,
      customId: f.customId,
      status: f.status,
      model: f.model,
      fallbackFrom: f.fallbackFrom,
      inputTokens: f.inputTokens,
      outputTokens: f.outputTokens,
      cacheReadTokens: f.cacheReadTokens,
      cacheWriteTokens: f.cacheWriteTokens,
      costUsd: f.costUsd,
      latencyMs: f.latencyMs,
      attempts: f.attempts,
      errorType: f.errorType,
      preview: previewOf(value, f),
      simulated: f.simulated,
    };
  }

  /** Opens the file for one operation: no descriptor outlives a call (a rename over the path is seen next time). */
  private async withFile<T>(fn: (file: FileHandle, stat: fs.Stats) => Promise<T>): Promise<T> {
    // Non-blocking: opening a named pipe otherwise waits for a writer, forever if none comes.
    const file = await fs.promises.open(this.path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw new Error(`${this.path} is not a regular file`);
      return await fn(file, stat);
    } finally {
      await file.close();
    }
  }

  /** One operation at a time: a refresh must not re-index under a page being read. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn());
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * The p-th percentile of `sorted` by the nearest-rank method: the smallest value with at least p% of
 * the values at or below it, i.e. sorted[ceil(p/100 · n) − 1]. Always one of the values; null for none.
 */
function nearestRank(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function readHead(file: FileHandle, length: number): Promise<Buffer> {
  const head = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(head, got, length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return head.subarray(0, got);
}
