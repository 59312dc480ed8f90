// `floorline batch …`: a file through the Message Batches API. Validation, the results format and
// resume are the live run's; batches live in the core (src/core/batches).
import { existsSync, statSync } from 'node:fs';
import type { BatchArgs } from './batch-args';
import type { Terminal } from './run-command';
import { EXIT } from './run-command';
import { Pricing } from '../core/pricing/pricing';
import { prepareRunFile } from '../core/run-file';
import { defaultResultsPath } from '../core/results';
import { formatProblem } from '../core/input/problems';
import { estimatePreflight } from '../core/preflight';
import { formatUsd, plural } from '../core/format';
import {
  batchStatePath,
  cancelBatches,
  collectBatches,
  createSdkBatchesClient,
  loadBatchState,
  refreshBatches,
  submitBatches,
  type BatchJobOptions,
  type BatchState,
  type SubmittedBatch,
} from '../core/batches';

/** Batches still processing (status; results --no-wait). */
const EXIT_PENDING = 5;

function describe(batch: SubmittedBatch): string {
  const c = batch.counts;
  const counts = [`${c.succeeded} succeeded`, `${c.errored} errored`, `${c.canceled} canceled`, `${c.expired} expired`, `${c.processing} processing`];
  return `${batch.id}: ${batch.status.replace('_', ' ')}${batch.collected ? ' (results written)' : ''} — ${counts.join(', ')}; expires ${batch.expiresAt}`;
}

function summary(state: BatchState): string {
  const open = state.batches.filter((b) => !b.collected);
  return `${state.batches.length} batch(es), ${open.length} not yet collected`;
}

export async function batchCommand(args: BatchArgs, term: Terminal): Promise<number> {
  // Checked here rather than left to the reader so the message names the path (a directory
  // would otherwise surface as a bare EISDIR).
  const input = statSync(args.file, { throwIfNoEntry: false });
  if (!input || input.isDirectory()) {
    term.err(`floorline: ${args.file}: ${input ? 'is a directory, not a JSONL file' : 'no such file'}`);
    return EXIT.invalid;
  }
  const apiKey = term.env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    term.err('floorline: ANTHROPIC_API_KEY is not set.');
    return EXIT.invalid;
  }
  const pricing = new Pricing({ overrides: args.prices, batch: true });
  const resultsPath = args.out ?? defaultResultsPath(args.file);
  const defaults = { ...(args.model ? { model: args.model } : {}), ...(args.maxTokens ? { maxTokens: args.maxTokens } : {}) };
  const options: BatchJobOptions = {
    owner: 'floorline batch',
    inputPath: args.file,
    resultsPath,
    statePath: batchStatePath(resultsPath),
    client: createSdkBatchesClient({ apiKey, ...(args.baseUrl ? { baseURL: args.baseUrl } : {}) }),
    pricing,
    defaults,
  };

  switch (args.action) {
    case 'submit': {
      // The same validation as a live run: every problem by file:line before anything is sent.
      const prepared = await prepareRunFile({ inputPath: args.file, outPath: resultsPath, defaults, pricing });
      const problems = prepared.ok ? prepared.warnings : prepared.problems;
      for (const p of problems.slice(0, 50)) term.err(formatProblem(p));
      if (!prepared.ok) {
        term.err(`floorline: ${args.file} has problems; nothing was submitted. Fix them and run again.`);
        return EXIT.invalid;
      }
      const estimate = estimatePreflight(prepared.scan.totals, pricing);
      const { submitted, skipped } = await submitBatches(options);
      for (const b of submitted) term.out(`floorline: submitted ${b.id} (${plural(b.customIds.length, 'request')})`);
      term.out(
        `floorline: ${plural(submitted.reduce((n, b) => n + b.customIds.length, 0), 'request')} in ${plural(submitted.length, 'batch')}` +
          (skipped ? `, ${skipped} skipped (already succeeded or waiting in a batch)` : '') +
          (estimate.expectedUsd !== null ? `; expected ~${formatUsd(estimate.expectedUsd)} at batch prices for the whole file` : '') +
          `. Ids in ${options.statePath}; collect with: floorline batch results ${args.file}`,
      );
      return EXIT.ok;
    }
    case 'status': {
      if (!existsSync(options.statePath)) {
        term.out(`floorline: ${args.file} has not been submitted as a batch (no ${options.statePath})`);
        return EXIT.ok;
      }
      const state = await refreshBatches(options);
      for (const b of state.batches) term.out(describe(b));
      term.out(`floorline: ${summary(state)}`);
      return state.batches.some((b) => b.status !== 'ended') ? EXIT_PENDING : EXIT.ok;
    }
    case 'cancel': {
      const canceled = await cancelBatches(options);
      for (const b of canceled) term.out(`floorline: canceling ${b.id}`);
      if (canceled.length === 0) term.out('floorline: no batch is still processing');
      else term.out(`floorline: finished requests keep their results; collect them with: floorline batch results ${args.file}`);
      return EXIT.ok;
    }
    case 'results': {
      if (loadBatchState(options.statePath, args.file).batches.length === 0) {
        term.err(`floorline: ${args.file} has not been submitted as a batch (no ${options.statePath})`);
        return EXIT.invalid;
      }
      const outcome = await collectBatches(options, {
        wait: args.wait,
        pollMs: args.pollSeconds * 1000,
        onPoll: (state) => term.err(`floorline: ${summary(state)}; ${state.batches.filter((b) => b.status !== 'ended').length} still processing`),
      });
      term.out(`floorline: ${plural(outcome.written, 'result')} written to ${resultsPath}`);
      if (outcome.unfinished > 0) return EXIT_PENDING;
      if (outcome.notSucceeded > 0) {
        term.out(`floorline: ${outcome.notSucceeded} errored, canceled or expired; \`floorline batch submit ${args.file}\` sends them again`);
        return EXIT.someErrored;
      }
      return EXIT.ok;
    }
  }
}
