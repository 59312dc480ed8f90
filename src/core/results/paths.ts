// Where results go by default: beside the input, so a re-run of the same input finds them again.

const JSONL = /\.jsonl$/i;

/** `data/jobs.jsonl` → `data/jobs.results.jsonl`; a name without `.jsonl` gets `.results.jsonl` appended. */
export function defaultResultsPath(inputPath: string): string {
  return JSONL.test(inputPath)
    ? inputPath.replace(JSONL, '.results.jsonl')
    : `${inputPath}.results.jsonl`;
}
