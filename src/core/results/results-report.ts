// A results file summed up for a terminal (`floorline report`): counts, spend, tokens, latency,
// models, and the errors grouped by type with the lines to look at. Plain text; no colours.
import { formatCount, formatInteger, formatLatency, formatUsd, plural } from '../format';
import type { ErrorGroup, ResultsTotals } from './result-rows';
import { ResultsIndex } from './results-index';

export interface ResultsReport {
  path: string;
  totals: ResultsTotals;
  errors: ErrorGroup[];
}

/** Lines shown per error type; the rest are counted ("and N more"). */
const LINES_PER_GROUP = 10;

/** Reads `path` (streamed, see ResultsIndex) into a report. */
export async function reportResults(path: string): Promise<ResultsReport> {
  const index = await ResultsIndex.open(path);
  return { path, totals: index.totals(), errors: await index.errorGroups(LINES_PER_GROUP) };
}

const percent = (n: number, of: number): string => (of === 0 ? '' : ` (${((100 * n) / of).toFixed(n === of || n === 0 ? 0 : 1)}%)`);


/** The report as lines for a terminal. */
export function formatResultsReport(report: ResultsReport): string {
  const t = report.totals;
  const out: string[] = [`${report.path}`];
  if (t.rows === 0) out.push('  no results yet');
  else {
    out.push(`  results   ${plural(t.rows, 'line', { format: formatInteger })}: ${formatInteger(t.succeeded)} succeeded${percent(t.succeeded, t.rows)}, ${formatInteger(t.errored)} errored${percent(t.errored, t.rows)}, ${formatInteger(t.canceled)} canceled, ${formatInteger(t.expired)} expired`);
    const simulated = t.simulatedRows === 0 ? '' : t.simulatedRows === t.rows ? ' (simulated — not real money)' : ` (${plural(t.simulatedRows, 'line')} simulated — not real money)`;
    out.push(`  spend     ${formatUsd(t.costUsd)}${simulated}`);
    const cache = t.cacheReadTokens + t.cacheWriteTokens > 0 ? `, cache read ${formatCount(t.cacheReadTokens)}, cache write ${formatCount(t.cacheWriteTokens)}` : '';
    out.push(`  tokens    input ${formatCount(t.inputTokens)}, output ${formatCount(t.outputTokens)}${cache}`);
    out.push(`  latency   p50 ${formatLatency(t.latencyP50Ms)}, p95 ${formatLatency(t.latencyP95Ms)}`);
    out.push(`  models    ${t.models.map((m) => `${printable(m.model) || '(none)'} ${formatInteger(m.rows)}`).join(', ')}`);
  }
  if (t.unreadable > 0) {
    const more = t.unreadable > t.unreadableLines.length ? ', …' : '';
    out.push(`  unreadable ${plural(t.unreadable, 'line')}, not results lines: ${plural(t.unreadableLines.length, 'line', { format: () => '' }).trim()} ${t.unreadableLines.join(', ')}${more}`);
  }
  if (t.partialTail) out.push('  the last line is incomplete (a run is writing it, or one stopped mid-line): not counted');
  if (report.errors.length > 0) {
    out.push('', `errors (${plural(t.errored, 'line')})`);
    for (const g of report.errors) {
      out.push(`  ${printable(g.type)}: ${formatInteger(g.count)}`);
      for (const e of g.examples.slice(0, LINES_PER_GROUP)) out.push(`    line ${e.line}  ${printable(e.customId)}  ${oneLine(e.message)}`);
      const rest = g.count - Math.min(g.examples.length, LINES_PER_GROUP);
      if (rest > 0) out.push(`    and ${formatInteger(rest)} more`);
    }
  }
  return out.join('\n');
}

/**
 * Text from the file as one printable line: control characters (an escape sequence in a reply or an
 * id could move the cursor or recolour the terminal) become spaces.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** A message on one line, at most 160 characters: a report lists many. */
function oneLine(message: string): string {
  const flat = printable(message).replace(/\s+/g, ' ').trim();
  return flat.length <= 160 ? flat : `${flat.slice(0, 159)}…`;
}
