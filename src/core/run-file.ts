// Runs one input file from start to end: validate it all before anything is sent, pick up where an
// earlier run stopped, dispatch the rest on a (possibly shared) dispatcher, append results as they
// arrive. The CLI and the extension both drive runs through here.
import { scanFile, readRequests, type InputDefaults, type ScanReport } from './input';
import { defaultResultsPath, prepareResume, ResultsWriter, type ResumeState } from './results';
import type { Dispatcher } from './dispatch/dispatcher';
import type { Run, RunSummary } from './dispatch/run';
import type { Priority } from './dispatch/snapshot';
import type { Pricing } from './pricing/pricing';
import type { Problem } from './input/problems';
import type { InputRequest, ResultLine } from './types';
import type { SharedBudget } from './spend/budgets';

export interface RunFileOptions {
  inputPath: string;
  /** Default: `<name>.results.jsonl` beside the input. */
  outPath?: string;
  defaults?: Omit<InputDefaults, 'isKnownModel'>;
  pricing: Pricing;
  priority?: Priority;
  maxSpendUsd?: number;
  /** Shown in logs and the UI. */
  label?: string;
  /** Budgets shared with other runs on the same key (the extension's daily budgets). */
  sharedBudgets?: readonly SharedBudget[];
  /** Told of each result after it is written (diagnostics, tests). */
  onResult?: (line: ResultLine, request: InputRequest) => void;
}

export type PreparedRun =
  | { ok: false; scan: ScanReport; problems: Problem[] }
  | { ok: true; scan: ScanReport; resume: ResumeState; outPath: string; toSend: number; warnings: Problem[] };

/**
 * Validates the whole file (streaming) and readies the results file for a resume. Nothing is sent.
 * With a spend cap, a model without a price is an error: its cost could not be held under the cap.
 */
export async function prepareRunFile(options: RunFileOptions): Promise<PreparedRun> {
  const { pricing } = options;
  const scan = await scanFile(options.inputPath, { ...options.defaults, isKnownModel: (m) => pricing.isKnown(m) });
  const problems = [...scan.problems];
  if (options.maxSpendUsd !== undefined) {
    for (const model of Object.keys(scan.totals.byModel)) {
      if (!pricing.isKnown(model)) {
        problems.push({
          file: options.inputPath,
          line: 0,
          severity: 'error',
          message: `model '${model}' has no known price, so a spend cap cannot be enforced for it — give its price with --price ${model}=INPUT,OUTPUT (USD per million tokens)`,
        });
      }
    }
  }
  // `hasErrors` too: errors past the problem cap are counted but not listed.
  if (scan.hasErrors || problems.some((p) => p.severity === 'error')) return { ok: false, scan, problems };

  const outPath = options.outPath ?? defaultResultsPath(options.inputPath);
  const resume = await prepareResume(outPath);
  let toSend = scan.requests;
  if (resume.succeeded.size > 0) {
    toSend = 0;
    for await (const _ of readRequests(options.inputPath, options.defaults ?? {}, { skip: (id) => resume.succeeded.has(id) })) toSend++;
  }
  return { ok: true, scan, resume, outPath, toSend, warnings: problems };
}

export interface StartedRun {
  run: Run;
  /** Resolves when the run has ended and every result is written and synced. */
  finished: Promise<RunSummary>;
}

/** Starts dispatching a prepared file. */
export async function startRunFile(dispatcher: Dispatcher, options: RunFileOptions, prepared: Extract<PreparedRun, { ok: true }>): Promise<StartedRun> {
  const writer = await ResultsWriter.open(prepared.outPath);
  const { resume } = prepared;
  const run = dispatcher.addRun({
    label: options.label ?? options.inputPath,
    requests: readRequests(options.inputPath, options.defaults ?? {}, { skip: (id) => resume.succeeded.has(id) }),
    total: prepared.toSend,
    resumed: prepared.scan.requests - prepared.toSend,
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.maxSpendUsd !== undefined ? { maxSpendUsd: options.maxSpendUsd, alreadySpentUsd: resume.spentUsd } : {}),
    pricing: options.pricing,
    ...(options.sharedBudgets ? { sharedBudgets: options.sharedBudgets } : {}),
    onResult: (line, request) => {
      writer.append(line);
      options.onResult?.(line, request);
    },
  });
  const finished = run.done.finally(() => writer.close());
  return { run, finished };
}
