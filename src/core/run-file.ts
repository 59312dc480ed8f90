// Runs one input file from start to end: validate it all before anything is sent, pick up where an
// earlier run stopped, dispatch the rest on a (possibly shared) dispatcher, append results as they
// arrive. The CLI and the extension both drive runs through here.
import { scanFile, readRequests, TotalsBuilder, type InputDefaults, type ScanReport, type ScanTotals } from './input';
import { defaultResultsPath, prepareResume, recordedFingerprints, ResultsWriter, type ResumeState } from './results';
import type { Dispatcher } from './dispatch/dispatcher';
import type { Run } from './dispatch/run';
import type { RunSummary } from './dispatch/run-api';
import type { Priority } from './dispatch/snapshot';
import type { Pricing } from './pricing/pricing';
import type { Problem } from './input/problems';
import type { InputRequest, ResultLine } from './types';
import type { SharedBudget } from './spend/budgets';
import { formatEndOfLife, modelStatus } from './models/lifecycle';
import { ResultsLock } from './results/results-lock';
import { readSpendJournal, spendJournalPath, SpendJournal } from './spend/spend-journal';
import { FingerprintDigest, fingerprintKey } from './input/fingerprint';
import type { IdNumbers, IdSet } from './input/id-set';
import { replacedResultsPath, setAside } from './results/set-aside';
import { basename } from 'node:path';
import * as fs from 'node:fs';
import { plural } from './format';

export interface RunFileOptions {
  inputPath: string;
  /** Default: `<name>.results.jsonl` beside the input. */
  outPath?: string;
  defaults?: Omit<InputDefaults, 'isKnownModel'>;
  pricing: Pricing;
  priority?: Priority;
  /** At most this share (0..1] of each model class's refill. */
  maxShare?: number;
  maxSpendUsd?: number;
  /** Shown in logs and the UI. */
  label?: string;
  /** Budgets shared with other runs on the same key (the extension's daily budgets). */
  sharedBudgets?: readonly SharedBudget[];
  /** Told of each result after it is written (diagnostics, tests). */
  onResult?: (line: ResultLine, request: InputRequest) => void;
  /** A rehearsal against the simulated API: its results are marked, never taken for real ones. */
  simulated?: boolean;
  /** Today, for the model lifecycle check (tests). */
  now?: Date;
  /** Who holds the results file's lock, as another run's message names it (`floorline run`, `VS Code`). */
  owner?: string;
  /** Send again the lines whose request no longer matches the answer recorded for its id; their old answers are set aside. */
  resendChanged?: boolean;
}

export type PreparedRun =
  | { ok: false; scan: ScanReport; problems: Problem[] }
  | {
      ok: true;
      scan: ScanReport;
      resume: ResumeState;
      outPath: string;
      toSend: number;
      /** The totals of the `toSend` lines alone (the scan's own when nothing is resumed): what the pre-flight estimates. */
      toSendTotals: ScanTotals;
      warnings: Problem[];
      /** Spent by earlier runs of this results file, counted toward the cap. */
      alreadySpentUsd: number;
      /** Requests that were in flight when an earlier run died, counted at their worst case. */
      unsettledEarlier: number;
      /** Answered lines whose request changed, sent again (`resendChanged`). */
      resendIds: ReadonlySet<string>;
      /** The results file as this left it (see `startRunFile`). */
      stamp: string;
    };

/**
 * Validates the whole file (streaming) and readies the results file for a resume. Nothing is sent.
 * With a spend cap, a model without a price is an error: its cost could not be held under the cap.
 */
export async function prepareRunFile(options: RunFileOptions): Promise<PreparedRun> {
  const { pricing } = options;
  const scan = await scanFile(options.inputPath, { ...options.defaults, isKnownModel: (m) => pricing.isKnown(m) });
  const problems = [...scan.problems];
  if (options.maxSpendUsd !== undefined) {
    for (const [model, totals] of Object.entries(scan.totals.perModel)) {
      if (!pricing.isKnown(model)) {
        problems.push({
          file: options.inputPath,
          // The first line that uses the model, so `file:line` leads to it.
          line: totals.firstLine,
          severity: 'error',
          message: `model '${model}' has no known price, so a spend cap cannot be enforced for it — give its price with --price ${model}=INPUT,OUTPUT (USD per million tokens)`,
        });
      }
    }
  }
  problems.push(...lifecycleProblems(options, scan.totals));
  // `hasErrors` too: errors past the problem cap are counted but not listed.
  if (scan.hasErrors || problems.some((p) => p.severity === 'error')) return { ok: false, scan, problems };

  const outPath = options.outPath ?? defaultResultsPath(options.inputPath);
  // Held while the results file is read and repaired; `startRunFile` takes it again and checks
  // that nothing wrote the file in between (the extension asks the user to confirm meanwhile).
  const lock = ResultsLock.acquire(outPath, { by: options.owner ?? 'floorline', simulated: options.simulated ?? false });
  try {
    // A results file moved away means the job starts over, spend and all: a journal left beside
    // it belongs to the job that went with it.
    const existed = fs.existsSync(outPath);
    const resume = await prepareResume(outPath);
    const mixed = mixedResultsProblem(options, outPath, resume);
    if (mixed) return { ok: false, scan, problems: [...problems, mixed] };
    const earlierSpend = existed ? await readSpendJournal(spendJournalPath(outPath)) : { carriedUsd: 0, unsettled: 0 };
    let left: LeftToSend = { toSend: scan.requests, totals: scan.totals, changed: new Map(), digest: new FingerprintDigest() };
    if (resume.succeeded.size > 0) {
      left = await leftToSend(options, resume.succeeded, undefined);
      if (!left.digest.equals(resume.fingerprintDigest)) {
        // Some answered line is not the request now on its id's line (or the input no longer has
        // it, or an older file recorded no fingerprint): find which, id by id. The map with a
        // fingerprint per id replaces the set, holding the same ids.
        const recorded = await recordedFingerprints(outPath);
        resume.succeeded = recorded;
        left = await leftToSend(options, recorded, recorded.numbers());
      }
    }
    const { toSend, totals: toSendTotals, changed } = left;
    if (changed.size > 0 && !options.resendChanged) return { ok: false, scan, problems: [...problems, ...changedProblems(options, outPath, changed)] };
    if (changed.size > 0) await setAside(outPath, new Set(changed.keys()), replacedResultsPath(outPath));
    return {
      ok: true,
      scan,
      resume,
      outPath,
      toSend,
      toSendTotals,
      warnings: problems,
      // What earlier runs spent: the journal counts what the results file cannot (requests in
      // flight at a crash, attempts that errored after possibly being billed); an older results
      // file without a journal still counts its own costs.
      alreadySpentUsd: Math.max(earlierSpend.carriedUsd, resume.spentUsd),
      unsettledEarlier: earlierSpend.unsettled,
      resendIds: new Set(changed.keys()),
      stamp: stampOf(outPath),
    };
  } finally {
    lock.release();
  }
}

interface LeftToSend {
  toSend: number;
  /** Their totals: what the pre-flight estimates. */
  totals: ScanTotals;
  /** Answered ids whose input line changed since, with that line. */
  changed: Map<string, number>;
  /** Of the (id, fingerprint) pairs of the answered ids in the input: equal to the results file's if none changed (empty when `recorded` was given). */
  digest: FingerprintDigest;
}

/**
 * One more pass over the input: what is left to send and its totals. With `recorded` (a fingerprint
 * per answered id), also which answered lines changed; without, the digest that says whether any did.
 */
async function leftToSend(options: RunFileOptions, succeeded: IdSet, recorded: IdNumbers | undefined): Promise<LeftToSend> {
  let toSend = 0;
  const left = new TotalsBuilder();
  const changed = new Map<string, number>();
  const digest = new FingerprintDigest();
  for await (const request of readRequests(options.inputPath, options.defaults ?? {})) {
    if (succeeded.has(request.customId)) {
      const key = fingerprintKey(request.fingerprint!)!;
      if (!recorded) {
        digest.add(request.customId, key);
        continue;
      }
      const was = recorded.get(request.customId);
      if (was === undefined || was === key) continue;
      changed.set(request.customId, request.line);
      if (!options.resendChanged) continue;
    }
    toSend++;
    left.add(request.params, request.line);
  }
  return { toSend, totals: left.build(), changed, digest };
}

/** A rehearsal's answers are never taken for real ones, and a rehearsal never writes beside real answers. */
function mixedResultsProblem(options: RunFileOptions, outPath: string, resume: ResumeState): Problem | undefined {
  const simulated = options.simulated ?? false;
  const foreignCount = simulated ? resume.realLines : resume.simulatedLines;
  const foreignLine = simulated ? resume.firstRealLine : resume.firstSimulatedLine;
  if (foreignCount === 0) return undefined;
  return {
    file: outPath,
    line: foreignLine ?? 1,
    severity: 'error',
    message: simulated
      ? `holds ${plural(foreignCount, 'real result')}; a rehearsal (--simulate) does not write beside real answers — give it another --out`
      : `holds ${plural(foreignCount, 'result')} from a rehearsal (--simulate), which a real run never counts as done — move the file away or give another --out`,
  };
}

const MAX_CHANGED_NAMED = 20;

function changedProblems(options: RunFileOptions, outPath: string, changed: Map<string, number>): Problem[] {
  const named = [...changed].slice(0, MAX_CHANGED_NAMED).map(([id, line]): Problem => ({
    file: options.inputPath,
    line,
    severity: 'error',
    message: `'${id}' is not the request whose answer ${basename(outPath)} holds (the line changed since, or another input wrote that file); nothing was sent — run with --resend-changed to send the changed lines again (their old answers are kept in ${basename(replacedResultsPath(outPath))})`,
  }));
  if (changed.size > MAX_CHANGED_NAMED) {
    named.push({ file: options.inputPath, line: named[named.length - 1]!.line, severity: 'error', message: `… and ${changed.size - MAX_CHANGED_NAMED} more changed lines` });
  }
  return named;
}

/** Size and modification time: enough to see that another process wrote the file in between. */
function stampOf(path: string): string {
  const stat = fs.statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'absent';
}

/**
 * Deprecated and retired models, said once per model before anything is sent (the SDK would say it
 * on every request). A retired model answers 404 to every line: under a real key that is an error;
 * a rehearsal goes on, with the warning, since the simulated API still answers.
 */
function lifecycleProblems(options: RunFileOptions, totals: ScanTotals): Problem[] {
  const problems: Problem[] = [];
  for (const [model, t] of Object.entries(totals.perModel)) {
    const status = modelStatus(model, options.now);
    if (status.kind === 'current') continue;
    const uses = `${plural(t.requests, 'line')} use${t.requests === 1 ? 's' : ''} it`;
    const day = formatEndOfLife(status.endOfLife);
    if (status.kind === 'deprecated') {
      problems.push({ file: options.inputPath, line: t.firstLine, severity: 'warning', message: `model '${model}' is deprecated: it stops answering after ${day} (${uses}) — move to a newer model before then` });
    } else {
      const consequence = options.simulated ? 'this rehearsal goes on, but a real run would be refused' : 'nothing was sent';
      problems.push({
        file: options.inputPath,
        line: t.firstLine,
        severity: options.simulated ? 'warning' : 'error',
        message: `model '${model}' was retired after ${day}: the API answers 404 not_found_error to every request for it (${uses}); ${consequence} — move to a current model`,
      });
    }
  }
  return problems;
}

export interface StartedRun {
  run: Run;
  /** Resolves when the run has ended and every result is written and synced. */
  finished: Promise<RunSummary>;
}

/** Starts dispatching a prepared file. */
export async function startRunFile(dispatcher: Dispatcher, options: RunFileOptions, prepared: Extract<PreparedRun, { ok: true }>): Promise<StartedRun> {
  const { outPath, resume } = prepared;
  const lock = ResultsLock.acquire(outPath, { by: options.owner ?? 'floorline', simulated: options.simulated ?? false });
  let writer: ResultsWriter | undefined;
  let journal: SpendJournal | undefined;
  try {
    if (stampOf(outPath) !== prepared.stamp) {
      throw new Error(`${outPath} changed after it was checked (another run wrote it meanwhile); nothing was sent — run again`);
    }
    journal = SpendJournal.open(spendJournalPath(outPath), { durable: options.maxSpendUsd !== undefined, carriedUsd: prepared.alreadySpentUsd });
    writer = await ResultsWriter.open(outPath);
  } catch (err) {
    journal?.close();
    lock.release();
    throw err;
  }
  const open = { writer, journal };
  const skip = (id: string): boolean => resume.succeeded.has(id) && !prepared.resendIds.has(id);
  const simulated = options.simulated === true;
  const run = dispatcher.addRun({
    label: options.label ?? options.inputPath,
    requests: readRequests(options.inputPath, options.defaults ?? {}, { skip }),
    total: prepared.toSend,
    resumed: prepared.scan.requests - prepared.toSend,
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.maxShare !== undefined ? { maxShare: options.maxShare } : {}),
    ...(options.maxSpendUsd !== undefined ? { maxSpendUsd: options.maxSpendUsd, alreadySpentUsd: prepared.alreadySpentUsd } : {}),
    pricing: options.pricing,
    ...(options.sharedBudgets ? { sharedBudgets: options.sharedBudgets } : {}),
    journal: open.journal,
    onResult: (line, request) => {
      // What the answer was to, and whether it was a rehearsal: what a resume checks before it trusts the line.
      open.writer.append({ ...line, fingerprint: request.fingerprint, ...(simulated ? { simulated: true } : {}) });
      options.onResult?.(line, request);
    },
  });
  const finished = run.done.finally(() => {
    open.writer.close();
    open.journal.close();
    lock.release();
  });
  return { run, finished };
}
