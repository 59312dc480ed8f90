// Opening a large results file in the results viewer: time to the first rows, to a sort and to a
// search, and how much memory the index adds. The file is written here (a realistic mix of statuses,
// models and replies of a few hundred characters); the measuring runs in a fresh child process so
// the writing's garbage does not count.
//
//   npx tsx bench/results-open.ts [--rows 100000]
//
// `npm run bench` runs it too (it takes a few seconds).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ResultsIndex } from '../src/core/results/results-index';
import { DEFAULT_RESULTS_QUERY } from '../src/core/results/result-rows';
import type { ResultLine } from '../src/core/types';

export interface ResultsOpenResult {
  rows: number;
  fileMb: number;
  /** open + select(default) + rows(0, 100). */
  firstRowsMs: number;
  sortByCostMs: number;
  searchMs: number;
  searchHits: number;
  /** Peak RSS above the child's baseline before `open`. */
  peakRssGrowthMb: number;
  /** What stays held once done (after a GC): the index itself. */
  heldMb: number;
}

const GOALS = { firstRowsMs: 1000, peakRssGrowthMb: 150 };
const MODELS = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7', 'claude-sonnet-4-5'];
const WORDS = 'the quota floor holds while every request waits its turn and the answer arrives in order with cost and latency recorded for each line'.split(' ');

function reply(i: number): string {
  const words: string[] = [];
  // 300–700 characters, varied by line.
  const target = 300 + ((i * 7919) % 400);
  for (let k = 0, n = 0; n < target; k++) {
    const w = WORDS[(i + k * 31) % WORDS.length]!;
    words.push(w);
    n += w.length + 1;
  }
  if (i % 1000 === 0) words.push('zebra-needle');
  return words.join(' ');
}

function line(i: number): ResultLine {
  const model = MODELS[i % MODELS.length]!;
  const base = { custom_id: `req-${String(i).padStart(6, '0')}`, model, latency_ms: 400 + ((i * 37) % 5000), attempts: 1 + (i % 7 === 0 ? 1 : 0), fingerprint: `sha256:${(i * 2654435761).toString(16).padStart(16, '0')}` };
  const usage = { input_tokens: 200 + (i % 900), output_tokens: 50 + (i % 400), cache_creation_input_tokens: 0, cache_read_input_tokens: i % 3 === 0 ? 1024 : 0 };
  if (i % 50 === 7) {
    return { ...base, result: { type: 'errored', error: { type: 'error', error: { type: i % 100 === 7 ? 'overloaded_error' : 'invalid_request_error', message: `request ${i} failed: the model is overloaded, try again later` }, request_id: `req_${i}` } }, cost_usd: 0, usage: null };
  }
  if (i % 500 === 11) return { ...base, result: { type: 'canceled' }, cost_usd: null, usage: null, latency_ms: null };
  const message = { id: `msg_${i}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: reply(i) }], stop_reason: 'end_turn', stop_sequence: null, usage };
  return { ...base, result: { type: 'succeeded', message }, cost_usd: (usage.input_tokens * 3 + usage.output_tokens * 15) / 1e6, usage };
}

function writeFile(path: string, rows: number): void {
  const fd = openSync(path, 'w');
  try {
    let batch = '';
    for (let i = 0; i < rows; i++) {
      batch += `${JSON.stringify(line(i))}\n`;
      if (batch.length > 1 << 20) {
        writeSync(fd, batch);
        batch = '';
      }
    }
    writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** In the child: the measurements on `path`. */
async function measure(path: string, rows: number): Promise<ResultsOpenResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  const index = await ResultsIndex.open(path);
  const all = await index.select(DEFAULT_RESULTS_QUERY);
  const first = await index.rows(all, 0, 100);
  const firstRowsMs = performance.now() - t0;
  if (first.length !== Math.min(100, rows)) throw new Error(`expected the first 100 rows, got ${first.length}`);
  const t1 = performance.now();
  await index.select({ ...DEFAULT_RESULTS_QUERY, sort: 'costUsd', descending: true });
  const sortByCostMs = performance.now() - t1;
  const t2 = performance.now();
  const hits = await index.select({ ...DEFAULT_RESULTS_QUERY, search: 'ZEBRA-needle' });
  const searchMs = performance.now() - t2;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  (globalThis as { gc?: () => void }).gc?.();
  const held = process.memoryUsage().rss - baseline;
  if (index.totals().rows !== rows) throw new Error(`indexed ${index.totals().rows} rows of ${rows}`);
  return {
    rows,
    fileMb: mb(statSync(path).size),
    firstRowsMs: Math.round(firstRowsMs),
    sortByCostMs: Math.round(sortByCostMs),
    searchMs: Math.round(searchMs),
    searchHits: hits.length,
    peakRssGrowthMb: mb(peak - baseline),
    heldMb: mb(held),
  };
}

/** Writes a file of `rows` result lines, measures opening it in a fresh process, and cleans up. */
export async function resultsOpenBench(rows: number): Promise<ResultsOpenResult> {
  const dir = mkdtempSync(join(tmpdir(), 'floorline-results-open-'));
  try {
    const path = join(dir, 'jobs.results.jsonl');
    writeFile(path, rows);
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--child', path, '--rows', String(rows)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) throw new Error(`the measuring process exited with ${code}`);
    return JSON.parse(out) as ResultsOpenResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function resultsOpenTable(r: ResultsOpenResult): string {
  const ok = (pass: boolean): string => (pass ? 'ok' : 'OVER');
  return [
    `results viewer on ${r.rows.toLocaleString('en')} rows (${r.fileMb} MB):`,
    `  first rows (open + select + 100 rows)  ${r.firstRowsMs} ms   goal < ${GOALS.firstRowsMs} ms  ${ok(r.firstRowsMs < GOALS.firstRowsMs)}`,
    `  sort by cost                           ${r.sortByCostMs} ms`,
    `  search (${r.searchHits} hits)                     ${r.searchMs} ms`,
    `  peak RSS growth                        ${r.peakRssGrowthMb} MB   goal < ${GOALS.peakRssGrowthMb} MB  ${ok(r.peakRssGrowthMb < GOALS.peakRssGrowthMb)}`,
    `  held after GC                          ${r.heldMb} MB`,
  ].join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, child: { type: 'string' } } });
  const rows = Number(values.rows ?? 100_000);
  if (!(Number.isInteger(rows) && rows > 0)) throw new Error(`--rows takes a positive whole number, got ${values.rows}`);
  if (values.child !== undefined) {
    void measure(values.child, rows).then((r) => process.stdout.write(JSON.stringify(r)));
  } else {
    void resultsOpenBench(rows).then((r) => console.log(resultsOpenTable(r)));
  }
}
