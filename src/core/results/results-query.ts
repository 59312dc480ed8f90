// A viewer's query over the indexed rows: filter by status and model (from the columns alone), search
// (reading the candidate lines again, a batch at a time), then sort (stable: ties by row).
import type { FileHandle } from 'node:fs/promises';
import type { ResultsQuery } from './result-rows';
import { matchesSearch, mayMatch, parseResultLine, searchPieces } from './result-fields';
import { type LineRange, readRanges } from '../files/line-scanner';
import { type RowColumns, statusCode } from './row-columns';

/** Lines read per search batch: bounded memory whatever the file's size. */
const SEARCH_BATCH_BYTES = 4 << 20;

/** The rows passing the query's status and model filters, in file order. */
export function filterRows(cols: RowColumns, query: ResultsQuery): Uint32Array {
  const statuses = query.statuses.length > 0 ? new Set(query.statuses.map(statusCode)) : undefined;
  let models: Set<number> | undefined;
  if (query.models.length > 0) {
    models = new Set();
    for (const m of query.models) {
      const i = cols.models.find(m);
      if (i !== undefined) models.add(i);
    }
  }
  const out = new Uint32Array(cols.length);
  let n = 0;
  for (let r = 0; r < cols.length; r++) {
    if (statuses && !statuses.has(cols.status[r]!)) continue;
    if (models && !models.has(cols.model[r]!)) continue;
    out[n++] = r;
  }
  return out.slice(0, n);
}

/**
 * The candidates whose custom_id, reply text or error message holds `search` (case-insensitive),
 * in their order. Most lines are rejected on their raw text without being parsed (see `mayMatch`).
 */
export async function searchRows(handle: FileHandle, cols: RowColumns, candidates: Uint32Array, search: string): Promise<Uint32Array> {
  const needle = search.toLowerCase();
  const pieces = searchPieces(needle);
  const out = new Uint32Array(candidates.length);
  let n = 0;
  for (let i = 0; i < candidates.length; ) {
    const ranges: LineRange[] = [];
    let bytes = 0;
    const first = i;
    for (; i < candidates.length && (bytes === 0 || bytes < SEARCH_BATCH_BYTES); i++) {
      const r = candidates[i]!;
      ranges.push({ offset: cols.offset[r]!, bytes: cols.bytes[r]! });
      bytes += cols.bytes[r]!;
    }
    const texts = await readRanges(handle, ranges);
    for (let k = 0; k < texts.length; k++) {
      const text = texts[k]!;
      if (!mayMatch(text.toLowerCase(), pieces)) continue;
      const parsed = parseResultLine(text);
      if (parsed && matchesSearch(parsed.value, parsed.fields, needle)) out[n++] = candidates[first + k]!;
    }
  }
  return out.slice(0, n);
}

/** Sorts `rows` by the query's column; absent values (null) last either way, ties in file order. */
export function sortRows(cols: RowColumns, rows: Uint32Array, query: ResultsQuery): Uint32Array {
  const sign = query.descending ? -1 : 1;
  if (query.sort === 'row') return query.descending ? rows.slice().reverse() : rows;
  const n = rows.length;
  const perm = new Uint32Array(n);
  for (let p = 0; p < n; p++) perm[p] = p;
  if (query.sort === 'customId') {
    const keys = new Array<string>(n);
    for (let p = 0; p < n; p++) keys[p] = cols.customId(rows[p]!);
    perm.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      return x < y ? -sign : x > y ? sign : rows[a]! - rows[b]!;
    });
  } else {
    const keys = numericKeys(cols, rows, query.sort);
    perm.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      if (x !== y) {
        if (Number.isNaN(x)) return Number.isNaN(y) ? rows[a]! - rows[b]! : 1;
        if (Number.isNaN(y)) return -1;
        return x < y ? -sign : sign;
      }
      return rows[a]! - rows[b]!;
    });
  }
  const out = new Uint32Array(n);
  for (let p = 0; p < n; p++) out[p] = rows[perm[p]!]!;
  return out;
}

/** One number per row to sort by: a column's value, or a rank (statuses in RESULT_STATUSES order, models by name). */
function numericKeys(cols: RowColumns, rows: Uint32Array, column: Exclude<ResultsQuery['sort'], 'row' | 'customId'>): Float64Array {
  const keys = new Float64Array(rows.length);
  let source: ArrayLike<number>;
  switch (column) {
    case 'status':
      source = cols.status;
      break;
    case 'model': {
      const names = cols.models.names;
      const byName = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
      const rank = new Float64Array(names.length);
      byName.forEach((model, k) => (rank[model] = k));
      for (let p = 0; p < rows.length; p++) keys[p] = rank[cols.model[rows[p]!]!]!;
      return keys;
    }
    default:
      source = cols[column];
  }
  for (let p = 0; p < rows.length; p++) keys[p] = source[rows[p]!]!;
  return keys;
}

