// The per-row numbers of a results index, column by column in typed arrays that double as rows
// arrive: ~75 bytes a row plus its custom_id's bytes, against ~1 KB a row as parsed objects (a
// 100,000-row file is ~9 MB here). Nothing per row lives on V8's heap, so a large file costs the
// garbage collector nothing. Absent numbers are NaN in the Float64 columns.
import { RESULT_STATUSES, type ResultStatus } from './result-rows';
import type { ResultFields } from './result-fields';

/** Strings that recur across rows (models, error types), each stored once and referred to by index. */
export class NameTable {
  /** Keyed by names from the file: a Map, so `__proto__` or `constructor` is a name like any other. */
  private readonly byName = new Map<string, number>();
  readonly names: string[] = [];

  indexOf(name: string): number {
    let i = this.byName.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.byName.set(name, i);
      this.names.push(name);
    }
    return i;
  }

  find(name: string): number | undefined {
    return this.byName.get(name);
  }
}

/** A status's code in the status column: its position in RESULT_STATUSES (which is also its sort order). */
export const statusCode = (status: ResultStatus): number => RESULT_STATUSES.indexOf(status);

/** No error type (a row that did not error). */
export const NO_ERROR = 0xffff;

const INITIAL_ROWS = 1024;

export class RowColumns {
  length = 0;
  /** Byte offset and length (without the line break) of each row's line. */
  offset = new Float64Array(INITIAL_ROWS);
  bytes = new Uint32Array(INITIAL_ROWS);
  /** 1-based line number in the file. */
  line = new Uint32Array(INITIAL_ROWS);
  status = new Uint8Array(INITIAL_ROWS);
  /** Index into `models`. */
  model = new Uint16Array(INITIAL_ROWS);
  /** Index into `errorTypes`, or NO_ERROR. */
  errorType = new Uint16Array(INITIAL_ROWS);
  inputTokens = new Float64Array(INITIAL_ROWS);
  outputTokens = new Float64Array(INITIAL_ROWS);
  cacheReadTokens = new Float64Array(INITIAL_ROWS);
  cacheWriteTokens = new Float64Array(INITIAL_ROWS);
  costUsd = new Float64Array(INITIAL_ROWS);
  latencyMs = new Float64Array(INITIAL_ROWS);
  attempts = new Uint32Array(INITIAL_ROWS);
  simulated = new Uint8Array(INITIAL_ROWS);
  /**
   * The custom_ids, UTF-8, one after another; row r's is idArena[idStart[r], idStart[r + 1]). Kept
   * (a few MB for 100,000 rows) so sorting by id and the error report need no second pass over the
   * file.
   */
  private idArena = Buffer.allocUnsafe(16 * INITIAL_ROWS);
  private idStart = new Uint32Array(INITIAL_ROWS + 1);

  readonly models = new NameTable();
  readonly errorTypes = new NameTable();

  push(offset: number, bytes: number, line: number, f: ResultFields): void {
    if (this.length === this.offset.length) this.grow();
    const r = this.length++;
    this.offset[r] = offset;
    this.bytes[r] = bytes;
    this.line[r] = line;
    this.status[r] = statusCode(f.status);
    this.model[r] = this.tableIndex(this.models, f.model);
    this.errorType[r] = f.errorType === undefined ? NO_ERROR : this.tableIndex(this.errorTypes, f.errorType);
    this.inputTokens[r] = f.inputTokens ?? Number.NaN;
    this.outputTokens[r] = f.outputTokens ?? Number.NaN;
    this.cacheReadTokens[r] = f.cacheReadTokens ?? Number.NaN;
    this.cacheWriteTokens[r] = f.cacheWriteTokens ?? Number.NaN;
    this.costUsd[r] = f.costUsd ?? Number.NaN;
    this.latencyMs[r] = f.latencyMs ?? Number.NaN;
    this.attempts[r] = f.attempts;
    this.simulated[r] = f.simulated ? 1 : 0;
    this.pushId(r, f.customId);
  }

  customId(r: number): string {
    return this.idArena.toString('utf8', this.idStart[r]!, this.idStart[r + 1]!);
  }

  private tableIndex(table: NameTable, name: string): number {
    const i = table.indexOf(name);
    // 65,535 distinct models or error types is not a results file; refuse rather than wrap around.
    if (i >= NO_ERROR) throw new RangeError('too many distinct model names or error types in the results file');
    return i;
  }

  private pushId(r: number, id: string): void {
    const start = this.idStart[r]!;
    const need = start + Buffer.byteLength(id, 'utf8');
    if (need > this.idArena.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.idArena.length * 2));
      this.idArena.copy(grown, 0, 0, start);
      this.idArena = grown;
    }
    this.idArena.write(id, start, 'utf8');
    this.idStart[r + 1] = need;
  }

  private grow(): void {
    const size = this.offset.length * 2;
    const bigger = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.offset = bigger(this.offset);
    this.bytes = bigger(this.bytes);
    this.line = bigger(this.line);
    this.status = bigger(this.status);
    this.model = bigger(this.model);
    this.errorType = bigger(this.errorType);
    this.inputTokens = bigger(this.inputTokens);
    this.outputTokens = bigger(this.outputTokens);
    this.cacheReadTokens = bigger(this.cacheReadTokens);
    this.cacheWriteTokens = bigger(this.cacheWriteTokens);
    this.costUsd = bigger(this.costUsd);
    this.latencyMs = bigger(this.latencyMs);
    this.attempts = bigger(this.attempts);
    this.simulated = bigger(this.simulated);
    const ids = new Uint32Array(size + 1);
    ids.set(this.idStart);
    this.idStart = ids;
  }
}
