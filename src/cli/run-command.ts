// `floorline run`: validate, resume, dispatch, report — and an exit code a script can act on.
import { statSync } from 'node:fs';
import type { RunArgs } from './args';
import type { LogEntry } from '../core/dispatch/dispatcher';
import type { DispatcherSnapshot, RunState } from '../core/dispatch/snapshot';
import { Pricing } from '../core/pricing/pricing';
import { TIERS } from '../core/tiers';
import { formatProblem, noRequestsMessage } from '../core/input/problems';
import { prepareRunFile, startRunFile, type RunFileOptions } from '../core/run-file';
import { formatUsd, plural } from '../core/format';
import { REALISTIC_LATENCY, simulatedReplyTimes } from '../simulator/latency';
import { batchOptionLine, preflightLine, progressBar, progressLine, summaryLines } from './progress';
import { estimatePreflight } from '../core/preflight';
import { DEFAULTS, type FloorlineConfig } from '../core/config';
import { assemble, plannedTier, resultsPathFor, type Assembly, type Target } from '../runtime/assemble';

// 2 promises that nothing was sent; a run that fails after sending (the input edited under it)
// says so with its own code.
export const EXIT = { ok: 0, someErrored: 1, invalid: 2, budget: 3, api: 4, failed: 6, interrupted: 130 } as const;

export interface Terminal {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Redraw-in-place progress (a TTY) rather than periodic lines. */
  interactive: boolean;
  columns: number;
  env: NodeJS.ProcessEnv;
  /** Called once per Ctrl-C. Returns an unsubscribe. */
  onInterrupt: (handler: () => void) => () => void;
  /** Ends the process now (a third Ctrl-C, or an abort that did not end in time). */
  forceExit?: (code: number) => void;
}

const MAX_PROBLEMS_SHOWN = 50;
const PLAIN_PROGRESS_EVERY_MS = 10_000;
/** After the second Ctrl-C: how long aborted requests get to end before the process quits anyway. */
const ABORT_GRACE_MS = 5_000;

function exitCodeFor(state: RunState, errored: number): number {
  switch (state) {
    case 'finished':
      return errored > 0 ? EXIT.someErrored : EXIT.ok;
    case 'budget-reached':
      return EXIT.budget;
    case 'api-stopped':
      return EXIT.api;
    case 'failed':
      return EXIT.failed;
    default:
      return EXIT.interrupted;
  }
}

/** The flags as the one configuration: what was not given is the schema's default. */
function configOf(args: RunArgs): FloorlineConfig {
  return {
    ...DEFAULTS,
    baseUrl: args.baseUrl,
    redisUrl: args.redisUrl,
    redisFallback: args.redisFallback,
    participant: args.participant,
    model: args.model,
    maxTokens: args.maxTokens,
    maxInFlight: args.maxInFlight,
    maxInFlightCap: args.maxInFlightCap,
    softFloor: args.softFloor ?? DEFAULTS.softFloor,
    hardFloor: args.hardFloor ?? DEFAULTS.hardFloor,
    maxSpendUsd: args.maxSpendUsd,
    tier: args.tier,
    priority: args.priority,
    maxAttempts: args.maxAttempts,
    retryBudgetPerMinute: args.retryBudgetPerMinute,
    maxShare: args.maxShare,
    fallback: args.fallback,
    fallbackAfterSeconds: args.fallbackAfterSeconds,
  };
}

export async function runCommand(args: RunArgs, term: Terminal): Promise<number> {
  // Checked here rather than left to the reader so the message names the path (a directory
  // would otherwise surface as a bare EISDIR).
  const input = statSync(args.file, { throwIfNoEntry: false });
  if (!input || input.isDirectory()) {
    term.err(`floorline: ${args.file}: ${input ? 'is a directory, not a JSONL file' : 'no such file'}`);
    return EXIT.invalid;
  }
  const apiKey = term.env.ANTHROPIC_API_KEY;
  if (!args.simulate && !apiKey) {
    term.err('floorline: ANTHROPIC_API_KEY is not set. Set it to run for real, or rehearse with --simulate (no key, no cost).');
    return EXIT.invalid;
  }

  const config = configOf(args);
  const target: Target = args.simulate ? { simulate: args.simulate } : { apiKey: apiKey! };
  const pricing = new Pricing({ overrides: args.prices });
  const options: RunFileOptions = {
    inputPath: args.file,
    // A rehearsal must never be mistaken for real results by a later resume.
    outPath: args.out ?? resultsPathFor(args.file, target),
    defaults: { ...(config.model ? { model: config.model } : {}), maxTokens: config.maxTokens },
    pricing,
    priority: args.priority,
    ...(args.maxShare !== undefined ? { maxShare: args.maxShare / 100 } : {}),
    ...(args.maxSpendUsd !== undefined ? { maxSpendUsd: args.maxSpendUsd } : {}),
    label: args.file,
    simulated: Boolean(args.simulate),
    owner: 'floorline run',
    resendChanged: args.resendChanged,
  };

  const prepared = await prepareRunFile(options);
  const problems = prepared.ok ? prepared.warnings : prepared.problems;
  for (const p of problems.slice(0, MAX_PROBLEMS_SHOWN)) term.err(formatProblem(p));
  const moreProblems = (prepared.ok ? problems.length : prepared.scan.problemCount) - MAX_PROBLEMS_SHOWN;
  if (moreProblems > 0) term.err(`… and ${moreProblems} more`);
  if (!prepared.ok) {
    term.err(`floorline: ${args.file} has problems; nothing was sent. Fix them and run again.`);
    return EXIT.invalid;
  }
  const { resume } = prepared;
  if (resume.succeeded.size > 0 || resume.tornTailRepaired || prepared.alreadySpentUsd > 0) {
    term.err(
      `floorline: resuming — ${prepared.scan.requests - prepared.toSend} of ${prepared.scan.requests} already succeeded in ${prepared.outPath}` +
        (resume.erroredDropped ? `; ${plural(resume.erroredDropped, 'errored line')} will be tried again` : '') +
        (prepared.resendIds.size ? `; ${plural(prepared.resendIds.size, 'changed line')} will be sent again (old answers set aside)` : '') +
        (resume.tornTailRepaired ? '; a torn last line from an interrupted run was repaired' : ''),
    );
    if (prepared.alreadySpentUsd > 0) {
      // Counted toward the cap: what earlier runs spent, including requests in flight when one died.
      term.err(
        `floorline: earlier runs of this file spent ${formatUsd(prepared.alreadySpentUsd)}` +
          (prepared.unsettledEarlier ? `, counting ${plural(prepared.unsettledEarlier, 'request')} in flight when a run ended at its worst case (it may have been billed)` : '') +
          (args.maxSpendUsd !== undefined ? `; the ${formatUsd(args.maxSpendUsd)} cap covers them too` : ''),
      );
    }
  }
  if (prepared.toSend === 0) {
    // No request at all is a mistake (a wrong or truncated file), not a finished job: no results
    // file exists to point at, and a script should not read it as success.
    if (prepared.scan.requests === 0) {
      term.err(`floorline: ${noRequestsMessage(args.file)}`);
      return EXIT.invalid;
    }
    term.out(`floorline: nothing to do — every line of ${args.file} already succeeded (${prepared.outPath}).`);
    return EXIT.ok;
  }

  // Of the lines left to send (a resume counts only those), at what this run's dispatcher will use:
  // its ceiling and soft floor, and the simulator's reply times for a rehearsal.
  const tier = plannedTier(config, target);
  const estimate = estimatePreflight(prepared.toSendTotals, pricing, {
    ...(tier ? { limits: TIERS[tier] } : {}),
    inFlight: { maxInFlight: config.maxInFlight, cap: config.maxInFlightCap },
    softFloor: config.softFloor,
    ...(args.simulate ? { replyTimes: simulatedReplyTimes(REALISTIC_LATENCY) } : {}),
  });
  term.err(`floorline: ${preflightLine(estimate, tier)}`);
  const batchOption = args.simulate ? undefined : batchOptionLine(estimate);
  if (batchOption) term.err(`floorline: ${batchOption}`);

  if (args.simulate) term.err(`floorline: simulating the API at ${args.simulate} tier limits (no key, no cost)`);
  let assembly: Assembly;
  try {
    assembly = await assemble({ config, target, onLog: (level, message) => term.err(`floorline: ${level === 'info' ? '' : `${level}: `}${message}`) });
  } catch (err) {
    const hint = config.redisUrl ? ". Start Redis, or run with --redis-fallback local to go on this process's own limits." : '';
    term.err(`floorline: ${(err as Error).message}${hint}`);
    return EXIT.invalid;
  }
  const { dispatcher } = assembly;

  let latest: DispatcherSnapshot | undefined;
  let drawn = false;
  // The bar lives on the last line without a newline: clearing it is a carriage return and erase.
  const clearBar = () => {
    if (term.interactive && drawn) term.err('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    const run = latest?.runs[0];
    if (!latest || !run || !term.interactive) return;
    term.err(`\r\x1b[2K${progressBar(latest, run, term.columns)}`);
    drawn = true;
  };
  dispatcher.on('log', (entry: LogEntry) => {
    if (entry.level === 'debug' && !args.verbose) return;
    if (entry.level === 'info' && !args.verbose && term.interactive) return;
    clearBar();
    term.err(`floorline: ${entry.level === 'info' ? '' : `${entry.level}: `}${entry.message}`);
    draw();
  });
  let lastPlainAt = 0;
  dispatcher.on('snapshot', (snapshot) => {
    latest = snapshot;
    if (term.interactive) {
      clearBar();
      draw();
    } else if (snapshot.at - lastPlainAt >= PLAIN_PROGRESS_EVERY_MS) {
      lastPlainAt = snapshot.at;
      const run = snapshot.runs[0];
      if (run) term.err(progressLine(snapshot, run));
    }
  });

  const started = Date.now();
  const { run, finished } = await startRunFile(dispatcher, options, prepared);
  let interrupts = 0;
  const unsubscribe = term.onInterrupt(() => {
    interrupts++;
    clearBar();
    if (interrupts === 1) {
      term.err('floorline: stopping — in-flight requests will finish and be recorded (Ctrl-C again to abort them)');
      dispatcher.stop(run);
    } else if (interrupts === 2) {
      term.err('floorline: aborting in-flight requests (their worst case stays counted against the cap; Ctrl-C again to quit at once)');
      dispatcher.abort(run);
      // An abort ends within moments; should anything still hang, the user is not kept waiting:
      // every result and journal line is already in the kernel (written synchronously).
      const quit = setTimeout(() => term.forceExit?.(EXIT.interrupted), ABORT_GRACE_MS);
      quit.unref?.();
    } else {
      term.forceExit?.(EXIT.interrupted);
    }
  });

  try {
    const summary = await finished;
    const snapshot = run.snapshot(Date.now());
    clearBar();
    for (const line of summaryLines(snapshot, prepared.outPath, (Date.now() - started) / 1000, dispatcher.snapshot())) term.out(line);
    return exitCodeFor(summary.state, summary.errored);
  } finally {
    unsubscribe();
    await assembly.close();
  }
}
