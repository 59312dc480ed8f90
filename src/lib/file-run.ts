// `fl.runFile(path)`: what `floorline run FILE` does — validate the whole file before anything is
// sent, resume from its results file, append each answer as it comes, keep the spend journal — on
// the instance's dispatcher, returning the summary instead of printing it.
import { formatProblem } from '../core/input/problems';
import { prepareRunFile, startRunFile, type RunFileOptions as CoreRunFileOptions } from '../core/run-file';
import type { RunContext } from './run-requests';
import type { FileRunOptions, FileRunOutcome } from './types';

/** The file has problems (named `file:line`); nothing was sent. */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    /** Each problem as `file:line: message`, errors and warnings alike. */
    readonly problems: readonly string[],
  ) {
    super(`${path} has problems; nothing was sent:\n${problems.slice(0, 20).join('\n')}${problems.length > 20 ? `\n… and ${problems.length - 20} more` : ''}`);
    this.name = 'InputFileError';
  }
}

export interface FileRunSetup {
  /** Where results go unless told (beside the input; a rehearsal's under its own name). */
  resultsPath: string;
  simulated: boolean;
  priority: CoreRunFileOptions['priority'];
  maxSpendUsd: number | undefined;
}

export async function runFile(ctx: RunContext, path: string, setup: FileRunSetup, options: FileRunOptions): Promise<FileRunOutcome> {
  const { dispatcher } = ctx;
  const core: CoreRunFileOptions = {
    inputPath: path,
    outPath: options.out ?? setup.resultsPath,
    defaults: ctx.defaults,
    pricing: ctx.pricing,
    ...(setup.priority ? { priority: setup.priority } : {}),
    ...(ctx.maxShare !== undefined ? { maxShare: ctx.maxShare } : {}),
    ...(setup.maxSpendUsd !== undefined ? { maxSpendUsd: setup.maxSpendUsd } : {}),
    label: options.label ?? path,
    simulated: setup.simulated,
    owner: 'the Floorline library',
    resendChanged: options.resendChanged ?? false,
  };
  options.signal?.throwIfAborted();
  const prepared = await prepareRunFile(core);
  if (!prepared.ok) throw new InputFileError(path, prepared.problems.map(formatProblem));
  const { run, finished } = await startRunFile(dispatcher, core, prepared);
  const untrack = ctx.track(run);
  const onAbort = () => dispatcher.abort(run);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const summary = await finished;
    return {
      summary,
      resultsPath: prepared.outPath,
      alreadyDone: prepared.scan.requests - prepared.toSend,
      warnings: prepared.warnings.map(formatProblem),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    untrack();
    dispatcher.forget(run);
  }
}
