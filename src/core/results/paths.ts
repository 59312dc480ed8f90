// Where results go by default: beside the input, so a re-run of the same input finds them again.

const JSONL = /\.jsonl$/i;
const RESULTS = /\.results\.jsonl$/i;
const SIMULATED_RESULTS = /\.simulated\.results\.jsonl$/i;

/** `data/jobs.jsonl` → `data/jobs.results.jsonl`; a name without `.jsonl` gets `.results.jsonl` appended. */
export function defaultResultsPath(inputPath: string): string {
  return JSONL.test(inputPath)
    ? inputPath.replace(JSONL, '.results.jsonl')
    : `${inputPath}.results.jsonl`;
}

/** A rehearsal's results stay apart from real ones: `jobs.results.jsonl` → `jobs.simulated.results.jsonl`. */
export function simulatedResultsPath(resultsPath: string): string {
  return RESULTS.test(resultsPath) ? resultsPath.replace(RESULTS, '.simulated.results.jsonl') : `${resultsPath}.simulated`;
}

/** Whether a path is a results file by its name (`*.results.jsonl`, rehearsals' included). */
export function isResultsPath(path: string): boolean {
  return RESULTS.test(path);
}

/** Whether a path is a rehearsal's results file by its name (`*.simulated.results.jsonl`). */
export function isSimulatedResultsPath(path: string): boolean {
  return SIMULATED_RESULTS.test(path);
}

/**
 * The input a default results path answers: `jobs.results.jsonl` and `jobs.simulated.results.jsonl`
 * → `jobs.jsonl`. Undefined for a name that is not a results file's (a custom `--out` cannot be
 * traced back by name).
 */
export function inputPathForResults(resultsPath: string): string | undefined {
  if (SIMULATED_RESULTS.test(resultsPath)) return resultsPath.replace(SIMULATED_RESULTS, '.jsonl');
  if (RESULTS.test(resultsPath)) return resultsPath.replace(RESULTS, '.jsonl');
  return undefined;
}
