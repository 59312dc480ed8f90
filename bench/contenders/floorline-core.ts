// 4a. Floorline's core in-process, with its defaults (auto in-flight ceiling, soft floor 10%, hard
// floor 2%, 5 attempts, 30 retries/min): prepareRunFile + startRunFile on a Dispatcher whose client
// is the real SDK (createSdkMessagesClient: maxRetries 0, explicit per-request timeout).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DispatcherSnapshot } from '../../src/core/dispatch/snapshot';
import { DEFAULTS } from '../../src/core/config';
import { assemble } from '../../src/runtime/assemble';
import { Pricing } from '../../src/core/pricing/pricing';
import { prepareRunFile, startRunFile, type RunFileOptions } from '../../src/core/run-file';
import type { Contender } from './types';

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

function makeFloorlineCore(name: string, label: string): Contender {
  return {
    name,
    label,
    describe: () => 'Dispatcher with defaults: auto in-flight ceiling (Little\'s law, cap 1,000; the first request streams so its headers come on admission), soft floor 10%, hard floor 2%, 5 attempts, 30 retries/min; spend cap by reservation',
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
      // Assembled as the CLI and the extension assemble theirs, with every default.
      const { dispatcher } = await assemble({ config: { ...DEFAULTS, baseUrl: mockUrl }, target: { apiKey: options.apiKey } });
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
      };
    },
  };
}

export const floorlineCore = makeFloorlineCore('floorline', 'Floorline (core)');
