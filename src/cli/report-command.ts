// `floorline report FILE`: which file to read (FILE itself, or the results of the input FILE names),
// then the report, as text or JSON. Only reads; a run may be appending to the file meanwhile.
import { existsSync, statSync } from 'node:fs';
import type { ReportArgs } from './report-args';
import { EXIT, type Terminal } from './run-command';
import { readLines } from '../core/input/line-reader';
import { isBlankLine } from '../core/input/validate-line';
import { defaultResultsPath, formatResultsReport, isResultsPath, reportResults, simulatedResultsPath } from '../core/results';
import { parseResultLine } from '../core/results/result-fields';

/** Whether the first non-blank line of `path` is a results line: a results file with a name of its own (`--out`). */
async function looksLikeResults(path: string): Promise<boolean> {
  for await (const { text } of readLines(path)) {
    if (isBlankLine(text)) continue;
    return parseResultLine(text) !== undefined;
  }
  return false;
}

/** The results file to read for FILE, with how it was chosen; or the error to print. */
async function resultsFileFor(file: string): Promise<{ path: string; note: string } | { error: string }> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return { error: `${file}: no such file` };
  if (stat.isDirectory()) return { error: `${file}: is a directory, not a JSONL file` };
  if (isResultsPath(file) || (await looksLikeResults(file))) return { path: file, note: `reading ${file}` };
  const results = defaultResultsPath(file);
  if (existsSync(results)) return { path: results, note: `reading ${results} (the results of ${file})` };
  const simulated = simulatedResultsPath(results);
  if (existsSync(simulated)) return { path: simulated, note: `reading ${simulated} (the rehearsal's results of ${file}: it has no real ones yet)` };
  return { error: `${file} has no results yet: ${results} does not exist (run it with 'floorline run ${file}', or give the results file itself)` };
}

export async function reportCommand(args: ReportArgs, term: Terminal): Promise<number> {
  let chosen: Awaited<ReturnType<typeof resultsFileFor>>;
  try {
    chosen = await resultsFileFor(args.file);
  } catch (err) {
    chosen = { error: `${args.file}: ${(err as Error).message}` };
  }
  if ('error' in chosen) {
    term.err(`floorline: ${chosen.error}`);
    return EXIT.invalid;
  }
  // On stderr: stdout stays the report alone (JSON with --json), ready for a pipe.
  term.err(`floorline: ${chosen.note}`);
  let report;
  try {
    report = await reportResults(chosen.path);
  } catch (err) {
    term.err(`floorline: ${chosen.path}: cannot read the results file (${(err as Error).message})`);
    return EXIT.invalid;
  }
  term.out(args.json ? JSON.stringify(report, null, 2) : formatResultsReport(report));
  return EXIT.ok;
}
