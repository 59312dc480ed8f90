// 4a. Floorline's core in-process, with its defaults (auto in-flight ceiling, soft floor 10%, hard
// floor 2%, 5 attempts, 30 retries/min): prepareRunFile + startRunFile on a Dispatcher whose client
// is the real SDK (createSdkMessagesClient: maxRetries 0, explicit per-request timeout).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DispatcherSnapshot } from '../../src/core/dispatch/snapshot';
import { DEFAULTS } from '../../src/core/config';
import { assemble } from '../../src/runtime/assemble';
import { Pricing } from '../../src/core/pricing/pricing';
import { prepareRunFile, startRunFile, type RunFileOptions } from '../../src/core/run-file';
import type { Contender, ContenderOptions } from './types';

/** Time spent in each `hold` state, from consecutive snapshots (each holds until the next one). */
export class HoldClock {
  floorMs = 0;
  cooldownMs = 0;
  private last: { at: number; hold: DispatcherSnapshot['hold'] } | undefined;

  mark(at: number, hold: DispatcherSnapshot['hold']): void {
    if (this.last) {
      const span = Math.max(0, at - this.last.at);
      if (this.last.hold === 'soft' || this.last.hold === 'hard') this.floorMs += span;
      else if (this.last.hold === 'cooldown') this.cooldownMs += span;
    }
    this.last = { at, hold };
  }
}

/**
 * Which model answered each line, from a Floorline results file: every line should name the model
 * that answered (`model`), and the line's own model when that was a fallback (`fallback_from`).
 */
export function answeringModels(path: string): { answeredBy: Record<string, number>; unnamedModel: number; fallbackLines: number; modelMismatch: number } {
  const answeredBy: Record<string, number> = {};
  let unnamedModel = 0;
  let fallbackLines = 0;
  let modelMismatch = 0;
  if (existsSync(path)) {
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (!text) continue;
      const line = JSON.parse(text) as { model?: unknown; fallback_from?: unknown; result: { type: string; message?: { model?: unknown } } };
      if (typeof line.model !== 'string' || line.model === '') {
        unnamedModel++;
        continue;
      }
      if (line.fallback_from !== undefined) fallbackLines++;
      if (line.result.type !== 'succeeded') continue;
      answeredBy[line.model] = (answeredBy[line.model] ?? 0) + 1;
      if (line.result.message?.model !== line.model) modelMismatch++;
    }
  }
  return { answeredBy, unnamedModel, fallbackLines, modelMismatch };
}

/** The fallback chains as the report shows them: `A → B, C after 5 s`. */
export function describeFallback(fallback: ContenderOptions['fallback']): string {
  if (!fallback) return '';
  const chains = Object.entries(fallback.chains).map(([model, to]) => `${model} → ${to.join(', ')}`);
  return `; fallback ${chains.join('; ')} after ${fallback.afterSec} s`;
}

function makeFloorlineCore(name: string, label: string): Contender {
  return {
    name,
    label,
    describe: ({ fallback }) =>
      'Dispatcher with defaults: auto in-flight ceiling (Little\'s law, cap 1,000; the first request streams so its headers come on admission), soft floor 10%, hard floor 2%, 5 attempts, 30 retries/min; spend cap by reservation' +
      describeFallback(fallback),
    async run(job, mockUrl, options) {
      const startedAt = Date.now();
      const runOptions: RunFileOptions = {
        inputPath: job.path,
        outPath: join(options.dir, 'floorline.results.jsonl'),
        pricing: new Pricing(),
        label: 'bench',
        ...(options.capUsd !== undefined ? { maxSpendUsd: options.capUsd } : {}),
      };
      // A fresh run, never a resume of an earlier one.
      rmSync(runOptions.outPath!, { force: true });
      const prepared = await prepareRunFile(runOptions);
      if (!prepared.ok) throw new Error(`job rejected: ${prepared.problems.map((p) => p.message).join('; ')}`);
      // Assembled as the CLI and the extension assemble theirs, with every default — and the
      // scenario's fallback chains, as a user sets them (`fallback`, `fallbackAfterSeconds`).
      const fallback = options.fallback ? { fallback: structuredClone(options.fallback.chains), fallbackAfterSeconds: options.fallback.afterSec } : {};
      const { dispatcher } = await assemble({ config: { ...DEFAULTS, baseUrl: mockUrl, ...fallback }, target: { apiKey: options.apiKey } });
      const holds = new HoldClock();
      dispatcher.on('snapshot', (s) => holds.mark(s.at, s.hold));
      // BENCH_DEBUG=1: the dispatcher's own log, with simulated seconds since the start.
      if (process.env.BENCH_DEBUG) dispatcher.on('snapshot', (s) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(2)}] snap inFlight=${s.inFlight} ceil=${s.ceiling} done=${s.runs[0]?.succeeded} unsent=${s.runs[0]?.unsent}\n`));
      if (process.env.BENCH_DEBUG) dispatcher.on('log', (e) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(2)}] ${e.level} ${e.message}\n`));
      const { run, finished } = await startRunFile(dispatcher, runOptions, prepared);
      let hitDeadline = false;
      const timer = setTimeout(() => {
        hitDeadline = true;
        dispatcher.abort(run);
      }, Math.max(0, options.deadline - Date.now()));
      const summary = await finished;
      clearTimeout(timer);
      const endedAt = Date.now();
      holds.mark(endedAt, undefined);
      return {
        succeeded: summary.succeeded,
        errored: summary.errored,
        stoppedBy: hitDeadline ? 'deadline' : summary.state === 'budget-reached' ? 'cap' : summary.state === 'finished' ? 'finished' : 'error',
        detail: summary.state === 'finished' ? undefined : `${summary.state}${summary.detail ? `: ${summary.detail}` : ''}`,
        startedAt,
        endedAt,
        floorHoldMs: holds.floorMs,
        cooldownMs: holds.cooldownMs,
        ownSpendUsd: summary.spentUsd,
        ...answeringModels(runOptions.outPath!),
      };
    },
  };
}

export const floorlineCore = makeFloorlineCore('floorline', 'Floorline (core)');
