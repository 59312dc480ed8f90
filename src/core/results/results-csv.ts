// A selection of results as CSV for a spreadsheet: streamed a page of rows at a time to a temp file
// that replaces `outPath` whole, so a failed export never leaves half a file behind.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { refuseSymlinkSync, replaceFileAtomically } from '../files/atomic-write';
import type { ResultRow } from './result-rows';
import type { ResultsIndex, ResultsSelection } from './results-index';

const COLUMNS = [
  'custom_id', 'status', 'model', 'fallback_from', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens',
  'cost_usd', 'latency_ms', 'attempts', 'error_type', 'preview', 'line',
] as const;
/** Rows read per page: one batch of reads, ~1 MB of text at most. */
const PAGE = 1000;

/**
 * One CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled).
 * Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a CR) gets a
 * leading `'`: a reply or an id is data, and must never become `=HYPERLINK(…)` in someone's sheet.
 * Numbers are written as numbers (a negative one cannot occur: absent values are empty).
 */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function record(r: ResultRow): string {
  const values = [
    r.customId, r.status, r.model, r.fallbackFrom, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens,
    r.costUsd, r.latencyMs, r.attempts, r.errorType, r.preview, r.line,
  ];
  return `${values.map(field).join(',')}\r\n`;
}

/** Writes `selection`'s rows, in its order, to `outPath` as CSV; the number of rows written. Refuses a symlink at `outPath`. */
export async function exportResultsCsv(index: ResultsIndex, selection: ResultsSelection, outPath: string): Promise<number> {
  refuseSymlinkSync(outPath);
  const exists = fs.existsSync(outPath);
  if (!exists) await fs.promises.mkdir(dirname(outPath), { recursive: true });
  let written = 0;
  await replaceFileAtomically(
    outPath,
    async (out) => {
      await writeAll(out, `${COLUMNS.join(',')}\r\n`);
      for (let start = 0; start < selection.length; start += PAGE) {
        const rows = await index.rows(selection, start, PAGE);
        await writeAll(out, rows.map(record).join(''));
        written += rows.length;
      }
    },
    // An existing file keeps its mode (replaceFileAtomically's default); a new one gets the usual 0644.
    exists ? {} : { mode: 0o644 },
  );
  return written;
}

async function writeAll(out: fs.promises.FileHandle, text: string): Promise<void> {
  const data = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < data.length; ) offset += (await out.write(data, offset, data.length - offset)).bytesWritten;
}
