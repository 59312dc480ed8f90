// `npm run bench:preflight`: is the pre-flight duration estimate right? Runs the real CLI
// (`node dist/cli.js run FILE --simulate TIER`) on a few files, reads the estimate it prints before
// the first request and times the run from that line to the process's exit, then prints a table:
// estimate, range, actual, error. Exit code 1 if an estimate is off by more than ±30%.
//
//   --only a,b    only these cases (quickstart, build-2000, resume-500, quota-2500)
//
// Not a test: the timings are real (a few minutes in all), nothing here runs under mocha.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildJob } from './jobs';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const TOLERANCE = 0.3;

interface Case {
  name: string;
  what: string;
  /** Writes the input (and any earlier results) into `dir`; returns the CLI arguments after `run`. */
  prepare: (dir: string) => string[];
}

interface Outcome {
  name: string;
  what: string;
  estimateLine: string;
  expected: number;
  low: number;
  high: number;
  why: string;
  /** From the estimate line to the exit. */
  actual: number;
  /** The whole process, start-up included. */
  wall: number;
  exitCode: number | null;
}

/** `1m16s`, `11s`, `9` (the left end of `9–14s`), `1h02m` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(text.trim());
  if (!m || text.trim() === '') throw new Error(`not a duration: '${text}'`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The duration part of the pre-flight line: `expected ~11s (9–14s: 64 in flight × 1.4 s replies)`. */
export function parseEstimate(line: string): { expected: number; low: number; high: number; why: string } | undefined {
  const m = /expected ~([\dhms]+) \(([\dhms]+)–([\dhms]+): ([^)]*)\)/.exec(line);
  if (!m) return undefined;
  return { expected: parseDuration(m[1]!), low: parseDuration(m[2]!), high: parseDuration(m[3]!), why: m[4]! };
}

function generated(lines: number): (path: string) => void {
  return (path) =>
    void buildJob(
      {
        lines,
        model: 'claude-haiku-4-5',
        maxTokens: 256,
        promptChars: [200, 1200],
        // The CLI's simulator picks its own output lengths (20..220 per prompt); this only sizes the job's bookkeeping.
        outputTokens: [20, 220],
      },
      path,
    );
}

const CASES: Case[] = [
  {
    name: 'quickstart',
    what: 'examples/quickstart.jsonl, --simulate (start)',
    prepare: (dir) => {
      const file = join(dir, 'quickstart.jsonl');
      copyFileSync(join(ROOT, 'examples', 'quickstart.jsonl'), file);
      return [file, '--simulate', 'start', '--out', join(dir, 'quickstart.results.jsonl')];
    },
  },
  {
    name: 'build-2000',
    what: '2,000 generated lines, --simulate build',
    prepare: (dir) => {
      const file = join(dir, 'build-2000.jsonl');
      generated(2000)(file);
      return [file, '--simulate', 'build', '--out', join(dir, 'build-2000.results.jsonl')];
    },
  },
  {
    name: 'resume-500',
    what: 'the same file resumed with 1,500 of 2,000 done, --simulate build',
    prepare: (dir) => {
      const file = join(dir, 'resume.jsonl');
      generated(2000)(file);
      // Results of an earlier run for the first 1,500 lines, as `floorline run` writes them.
      const done = readFileSync(file, 'utf8').trim().split('\n').slice(0, 1500).map((l) => {
        const id = (JSON.parse(l) as { custom_id: string }).custom_id;
        return JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } }, simulated: true });
      });
      const out = join(dir, 'resume.results.jsonl');
      writeFileSync(out, done.join('\n') + '\n');
      return [file, '--simulate', 'build', '--out', out];
    },
  },
  {
    name: 'quota-2500',
    what: '2,500 generated lines, --simulate start, --max-in-flight-cap 128 (requests per minute bind)',
    prepare: (dir) => {
      const file = join(dir, 'quota-2500.jsonl');
      generated(2500)(file);
      return [file, '--simulate', 'start', '--max-in-flight-cap', '128', '--out', join(dir, 'quota-2500.results.jsonl')];
    },
  },
];

function runCli(args: string[]): Promise<{ estimateLine: string; estimateAt: number | undefined; startedAt: number; endedAt: number; exitCode: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env };
    delete env.ANTHROPIC_API_KEY;
    const startedAt = performance.now();
    const child = spawn(process.execPath, [CLI, 'run', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let estimateLine = '';
    let estimateAt: number | undefined;
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (estimateAt === undefined && parseEstimate(line)) {
          estimateAt = performance.now();
          estimateLine = line;
        }
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ estimateLine, estimateAt, startedAt, endedAt: performance.now(), exitCode: code, stderr }));
  });
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only?.split(',').map((s) => s.trim());
  const cases = only ? CASES.filter((c) => only.includes(c.name)) : CASES;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run node esbuild.mjs first (npm run bench:preflight does)`);
  const dir = mkdtempSync(join(tmpdir(), 'floorline-preflight-'));
  const outcomes: Outcome[] = [];
  try {
    for (const c of cases) {
      const args = c.prepare(dir);
      process.stderr.write(`${c.name}: floorline run ${args.map((a) => a.replace(dir, '$TMP')).join(' ')}\n`);
      const r = await runCli(args);
      const parsed = parseEstimate(r.estimateLine);
      if (!parsed || r.estimateAt === undefined) throw new Error(`${c.name}: no duration estimate printed\n${r.stderr}`);
      const o: Outcome = {
        name: c.name,
        what: c.what,
        estimateLine: r.estimateLine,
        ...parsed,
        actual: (r.endedAt - r.estimateAt) / 1000,
        wall: (r.endedAt - r.startedAt) / 1000,
        exitCode: r.exitCode,
      };
      outcomes.push(o);
      process.stderr.write(`  ${r.estimateLine.replace(/^floorline: /, '').split(' · ').pop()}\n  actual ${o.actual.toFixed(1)} s (process ${o.wall.toFixed(1)} s), exit ${o.exitCode}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = outcomes.map((o) => {
    const error = (o.expected - o.actual) / o.actual;
    return {
      o,
      error,
      cells: [
        o.name,
        `${o.expected} s`,
        `${o.low}–${o.high} s`,
        `${o.actual.toFixed(1)} s`,
        `${error >= 0 ? '+' : ''}${(error * 100).toFixed(0)}%`,
        o.actual >= o.low - 0.5 && o.actual <= o.high + 0.5 ? 'yes' : 'no',
        o.why,
      ],
    };
  });
  const head = ['case', 'estimate', 'range', 'actual', 'error', 'in range', 'pace set by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i]!, i >= 1 && i <= 4)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i >= 1 && i <= 4 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`);
  for (const r of rows) console.log(line(r.cells));
  console.log('');
  for (const o of outcomes) console.log(`${o.name}: ${o.what}; actual = from the printed estimate to the exit (the whole process: ${o.wall.toFixed(1)} s)`);
  const off = rows.filter((r) => Math.abs(r.error) > TOLERANCE || r.o.exitCode !== 0);
  if (off.length) {
    console.log(`\n${off.map((r) => r.o.name).join(', ')}: off by more than ±${TOLERANCE * 100}% (or the run failed)`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
