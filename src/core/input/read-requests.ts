// The dispatch pass: a second streaming read of a file that `scanFile` found clean. It trusts
// the scan for duplicates and warnings, but never yields a line that is not valid now: the file
// may have been edited between the scan and the run.
import { readLineBatches } from './line-reader';
import type { Problem } from './problems';
import { type InputDefaults, isBlankLine, parseLine } from './validate-line';
import type { InputRequest } from '../types';
import { fingerprintOf } from './fingerprint';

export interface ReadRequestsOptions {
  /** Lines whose custom_id this returns true for are not yielded (e.g. done in an earlier run). */
  skip?: (customId: string) => boolean;
}

/** A line that the scan passed is invalid now. */
export class InputChangedError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.file}:${problem.line}: the file changed after it was checked and this line is now invalid: ${problem.message}`);
    this.name = 'InputChangedError';
  }
}

export async function* readRequests(
  path: string,
  defaults: InputDefaults = {},
  options: ReadRequestsOptions = {},
): AsyncGenerator<InputRequest> {
  // Unknown-model warnings were the scan's to report; only errors matter here.
  const lineDefaults: InputDefaults = { model: defaults.model, maxTokens: defaults.maxTokens };
  for await (const batch of readLineBatches(path)) {
    for (const { line, text, encodingError } of batch.lines) {
      if (encodingError !== undefined) throw new InputChangedError({ file: path, line, message: encodingError, severity: 'error' });
      if (isBlankLine(text)) continue;
      const parsed = parseLine(text, line, lineDefaults, path);
      if (!('request' in parsed)) {
        const problem = parsed.problems.find((p) => p.severity === 'error') ?? parsed.problems[0];
        throw new InputChangedError(problem ?? { file: path, line, message: 'invalid line', severity: 'error' });
      }
      if (options.skip?.(parsed.request.customId)) continue;
      yield { ...parsed.request, fingerprint: fingerprintOf(parsed.request.params) };
    }
  }
}

