// 4b. The `floorline` CLI as a whole process (dist/cli.js, defaults), as a user runs it:
//   floorline run JOB --base-url URL [--max-spend-usd CAP]
// Its CPU and peak RSS come from bench/preload.cjs (written at exit); the time it held at the floor
// from its log lines (the dispatcher logs every change of its `hold` state).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { answeringModels, describeFallback, HoldClock } from './floorline-core';
import type { Contender, ContenderResult } from './types';

type Hold = 'soft' | 'hard' | 'cooldown' | undefined;

/**
 * The hold state a CLI log line announces, or null when the line is about something else. With
 * lines of several model classes in the run, a class's hold is told with its class first
 * (`sonnet: holding at soft floor…`, hold.ts `describeHold`): the prefix is dropped, so the figure is,
 * as the core's (its snapshots' `hold`), the time the dispatcher told a hold, whichever class it was.
 */
function holdOf(line: string): Hold | null {
  const text = line.replace(/^floorline: (debug: |warn: |error: )?/, '').replace(/^[a-z0-9][a-z0-9.-]*: (?=holding at soft floor|stopped at hard floor|a (429|529) )/, '');
  if (text.startsWith('holding at soft floor')) return 'soft';
  if (text.startsWith('stopped at hard floor')) return 'hard';
  if (/^a (429|529) \([a-z ]+\) paused all new requests/.test(text)) return 'cooldown';
  if (text.startsWith('dispatching again')) return undefined;
  return null;
}

export const floorlineCli: Contender = {
  name: 'floorline-cli',
  label: 'Floorline (CLI process)',
  describe: ({ fallback }) =>
    `\`floorline run JOB --base-url URL --max-spend-usd CAP${fallback ? ' --fallback MODEL=FALLBACK --fallback-after Ns' : ''}\`, all defaults; a separate Node process${describeFallback(fallback)}`,
  async run(job, mockUrl, options) {
    const startedAt = Date.now();
    const out = join(options.dir, 'cli.results.jsonl');
    const report = join(options.dir, 'cli-report.json');
    // A fresh run, never a resume of an earlier one.
    rmSync(out, { force: true });
    rmSync(report, { force: true });
    const args = ['--require', options.preloadPath, options.cliPath, 'run', job.path, '--out', out, '--base-url', mockUrl];
    if (options.capUsd !== undefined) args.push('--max-spend-usd', String(options.capUsd));
    // The scenario's fallback chains, as a user passes them: --fallback MODEL=M1,M2 (repeatable) --fallback-after 5s.
    if (options.fallback) {
      for (const [model, to] of Object.entries(options.fallback.chains)) args.push('--fallback', `${model}=${to.join(',')}`);
      args.push('--fallback-after', `${options.fallback.afterSec}s`);
    }
    // --verbose: short holds at the floor are debug lines, and "held at floor" is read from them.
    // BENCH_DEBUG=1 echoes that log on this process's stderr.
    args.push('--verbose');
    const debug = Boolean(process.env.BENCH_DEBUG);
    const child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH,
        CI: 'true',
        ANTHROPIC_API_KEY: options.apiKey,
        BENCH_REPORT: report,
        BENCH_TIME_SCALE: String(options.timeScale),
        BENCH_TIME_ORIGIN: String(options.timeOrigin),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const holds = new HoldClock();
    holds.mark(Date.now(), undefined);
    const tail: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (debug) process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(2)}] ${line}\n`);
      const hold = holdOf(line);
      if (hold !== null) holds.mark(Date.now(), hold);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    });
    child.stdout.resume();
    let hitDeadline = false;
    const timer = setTimeout(() => {
      hitDeadline = true;
      // Ctrl-C twice: stop, then abort what is in flight.
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGINT'), 200);
    }, Math.max(0, options.deadline - Date.now()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    const endedAt = Date.now();
    holds.mark(endedAt, undefined);

    let succeeded = 0;
    let errored = 0;
    let spent = 0;
    if (existsSync(out)) {
      for (const line of readFileSync(out, 'utf8').split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as { result: { type: string }; cost_usd: number | null };
        if (r.result.type === 'succeeded') succeeded++;
        else errored++;
        spent += r.cost_usd ?? 0;
      }
    }
    const usage = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as { cpuUserUs: number; cpuSystemUs: number; peakRssKb: number }) : undefined;
    const stoppedBy: ContenderResult['stoppedBy'] = hitDeadline ? 'deadline' : code === 0 ? 'finished' : code === 3 ? 'cap' : 'error';
    return {
      succeeded,
      errored,
      stoppedBy,
      ...(stoppedBy === 'error' ? { detail: `exit ${code}: ${tail.slice(-3).join(' | ')}` } : {}),
      startedAt,
      endedAt,
      ...(usage ? { cpuUs: usage.cpuUserUs + usage.cpuSystemUs, peakRssMb: usage.peakRssKb / 1024 } : {}),
      floorHoldMs: holds.floorMs,
      cooldownMs: holds.cooldownMs,
      ownSpendUsd: spent,
      ...answeringModels(out),
    };
  },
};
