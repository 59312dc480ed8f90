// `floorline report FILE [--json]`: a results file summed up. Defined apart from args.ts (which
// assembles the commands) like batch-args.ts.
import { type Command, Option } from 'commander';

export interface ReportArgs {
  /** A results file, or an input file (then its default results file is read). */
  file: string;
  json: boolean;
}

const REPORT_HELP_AFTER = `
FILE may be a results file (<name>.results.jsonl) or the input file it answers: then its results
file beside it is read (or, if there is none, its rehearsal's <name>.simulated.results.jsonl).
The file is only read, never changed; a run may still be writing it.

Exit codes:
  0  the report was printed (whatever the results say)
  2  FILE or its results file cannot be read`;

export function defineReportCommand(program: Command, done: (args: ReportArgs) => void): void {
  program
    .command('report')
    .summary("sum up FILE's results: counts, spend, tokens, latency, errors by type")
    .description(
      'Reads a results file (streamed, never held whole) and prints its counts, spend, tokens, ' +
        'latency (p50/p95, nearest rank), models, and its errors grouped by type with the lines to look at.',
    )
    .argument('<FILE>', 'results file, or the input file whose results to read')
    .addOption(new Option('--json', 'print the report as JSON'))
    .addHelpText('after', REPORT_HELP_AFTER)
    .action((file: string, o: { json?: boolean }) => done({ file, json: o.json ?? false }));
}
