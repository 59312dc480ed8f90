// Makes an existing results file ready for a re-run of the same input, and says what is already done.
//
// After this, the file holds exactly one line per succeeded custom_id and nothing else, so the
// writer can append the retried requests without anything being written twice:
//   - a torn last line (a crash mid-write) is cut off; a whole line missing only its newline gets one;
//   - errored / canceled / expired lines are dropped, since those requests will be tried again;
//   - a second succeeded line for an id is dropped (the first one wins);
//   - anything else that is not a results line is not ours to destroy: we stop and name it. That
//     includes a last line that is not provably a torn results line (a user's own note, or a file
//     that was never ours, given as --out): only a fragment of `{"custom_id":…` or zeroed blocks
//     left by a crash are cut off.
// Dropping lines rewrites the file atomically (temp file beside it, fsync, rename over), so a crash
// during the rewrite leaves either the old file or the new one. The file is streamed: memory is
// the set of succeeded ids (compact: ~17 bytes a short id, see ExactIdMap), the line numbers to drop,
// and one chunk.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { refuseSymlinkSync, replaceFileAtomically } from '../files/atomic-write';
import { FingerprintDigest, fingerprintKey } from '../input/fingerprint';
import { ExactIdMap, type IdSet } from '../input/id-set';
import { readAt, scanLines } from '../files/line-scanner';

export interface ResumeState {
  /**
   * custom_ids with a succeeded line: skip them. Exact (a line is never skipped for an id that only
   * hashes alike) and compact: a million ids like `id-123456` in ~17 MB (UUIDs ~40), against
   * ~75 (~150) as a Set of strings.
   */
  succeeded: IdSet;
  /**
   * With `dropRetryable: false` only: ids whose errored / canceled / expired line stays in the file.
   * With `succeeded`, every id the file answers — so a writer that appends more results (batches)
   * never reads the file again to know what is there.
   */
  retained: IdSet;
  /** errored / canceled / expired lines removed (their requests are to be retried). */
  erroredDropped: number;
  /** Later succeeded lines for an id that already had one, removed. */
  duplicatesDropped: number;
  /** The last line was incomplete and was repaired (cut off, or given its missing newline). */
  tornTailRepaired: boolean;
  /** Bytes cut off the end of the file by that repair (0 when only a newline was added). */
  tornBytesDropped: number;
  /** Sum of `cost_usd` over the kept lines: money already spent on this input. */
  spentUsd: number;
  /** Lines left in the file (= succeeded.size). */
  keptLines: number;
  /** The file was rewritten to drop lines. */
  rewritten: boolean;
  /**
   * The request fingerprints the kept lines recorded, as one digest of (id, fingerprint) pairs: an
   * input whose digest over the same ids is equal is the one that was answered. When not (a line
   * changed, or an older file recorded none), `recordedFingerprints` says which, id by id.
   */
  fingerprintDigest: FingerprintDigest;
  /** Kept lines marked as a rehearsal's (`"simulated": true`), and the first of them. */
  simulatedLines: number;
  firstSimulatedLine: number | undefined;
  /** Kept lines from a real run, and the first of them. */
  realLines: number;
  firstRealLine: number | undefined;
}

/**
 * 1 MiB reads into one buffer the scanner reuses (a stream's fresh 1 MiB chunks once piled up
 * awaiting collection, ~20 MB on a million-line resume; a reused one cannot). The rewrite writes
 * what each read kept before the next read, so it also writes in batches of up to 1 MiB.
 */
const READ_CHUNK = 1 << 20;
/** A torn last line longer than this is not the fragment of one of our lines (they are far shorter). */
const MAX_TAIL_BYTES = 64 << 20;
const RETRIED = new Set(['errored', 'canceled', 'expired']);

/** The temp file a rewrite goes through. Fixed, so a crash's leftover is found and removed next time. */
export function resumeTempPath(resultsPath: string): string {
  return `${resultsPath}.resume-tmp`;
}

export interface ResumeOptions {
  /**
   * Drop errored/canceled/expired lines and duplicates so that they are sent again (default). False
   * only repairs a torn tail: for writers that append more results to the same file (batch results).
   */
  dropRetryable?: boolean;
}

export async function prepareResume(resultsPath: string, options: ResumeOptions = {}): Promise<ResumeState> {
  refuseSymlinkSync(resultsPath);
  // A leftover from a crash during an earlier rewrite; the results file itself is whole either way.
  await fs.promises.rm(resumeTempPath(resultsPath), { force: true });

  const state: ResumeState = {
    succeeded: new ExactIdMap({ values: false }),
    retained: new ExactIdMap({ values: false }),
    erroredDropped: 0,
    duplicatesDropped: 0,
    tornTailRepaired: false,
    tornBytesDropped: 0,
    spentUsd: 0,
    keptLines: 0,
    rewritten: false,
    fingerprintDigest: new FingerprintDigest(),
    simulatedLines: 0,
    firstSimulatedLine: undefined,
    realLines: 0,
    firstRealLine: undefined,
  };
  let scan: Scan;
  try {
    scan = await scanFile(resultsPath, state, options.dropRetryable !== false);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw err;
  }

  const mustWrite = scan.tail.kind !== 'ok' || (options.dropRetryable !== false && state.erroredDropped + state.duplicatesDropped > 0);
  if (mustWrite) checkWritable(resultsPath);
  await repairTail(resultsPath, scan);

  // Blank lines alone are harmless and not worth a rewrite; they go only if one happens anyway.
  if (options.dropRetryable !== false && state.erroredDropped + state.duplicatesDropped > 0) {
    await rewriteWithout(resultsPath, scan.drops);
    state.rewritten = true;
  }
  return state;
}

// ---------------------------------------------------------------------------------------------
// Scanning

interface RawLine {
  bytes: Buffer;
  /** 1-based. */
  lineNo: number;
  /** Byte offsets in the file: where the line starts, and just past its newline (or EOF). */
  start: number;
  end: number;
  /** Ends with '\n' (only the last line of a file can be false). */
  terminated: boolean;
}

/**
 * Streams `path` line by line with byte offsets (with files/line-scanner.ts, the one line scanner),
 * holding one chunk and one line at a time. `afterChunk` runs between chunks and is awaited: the
 * place for a consumer to write (backpressure) what it kept of them, before their buffer is read
 * into again.
 */
async function forEachLine(
  path: string,
  onLine: (line: RawLine) => void,
  afterChunk?: () => Promise<void>,
): Promise<void> {
  const file = await fs.promises.open(path, 'r');
  try {
    let lineStart = 0;
    const end = await scanLines(
      file,
      { offset: 0, line: 1 },
      (bytes, start, stop, _offset, lineNo, next) => {
        onLine({ bytes: bytes.subarray(start, stop), lineNo, start: lineStart, end: next, terminated: true });
        lineStart = next;
      },
      // Far longer than any answer can be: not a line Floorline wrote.
      (lineNo) => {
        throw midFileError(path, lineNo, 'longer than any results line');
      },
      { readSize: READ_CHUNK, ...(afterChunk ? { afterChunk } : {}) },
    );
    if (!end.partialTail) return;
    // The last line has no newline: a crash's torn fragment, or a whole line missing only its newline.
    const size = (await file.stat()).size;
    if (size - end.offset > MAX_TAIL_BYTES) throw foreignTailError(path, end.line);
    onLine({ bytes: await readAt(file, end.offset, size - end.offset), lineNo: end.line, start: end.offset, end: size, terminated: false });
  } finally {
    await file.close();
  }
}

type Parsed =
  | { ok: true; id: string; succeeded: boolean; cost: number; fingerprint: number | undefined; simulated: boolean }
  | { ok: false; json: boolean; reason: string };

/** Recognises one of our lines. Checks only what resume relies on, so older/newer files still load. */
function parseLine(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, json: false, reason: `not valid JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, json: true, reason: 'not a JSON object' };
  }
  const line = value as Record<string, unknown>;
  if (typeof line.custom_id !== 'string' || line.custom_id === '') {
    return { ok: false, json: true, reason: 'no "custom_id" string' };
  }
  const result = line.result as Record<string, unknown> | null | undefined;
  const type = typeof result === 'object' && result !== null ? result.type : undefined;
  if (type !== 'succeeded' && !(typeof type === 'string' && RETRIED.has(type))) {
    return { ok: false, json: true, reason: `"result.type" is ${JSON.stringify(type)}, not succeeded/errored/canceled/expired` };
  }
  const cost = typeof line.cost_usd === 'number' && Number.isFinite(line.cost_usd) && line.cost_usd >= 0 ? line.cost_usd : 0;
  const fingerprint = typeof line.fingerprint === 'string' ? fingerprintKey(line.fingerprint) : undefined;
  return { ok: true, id: line.custom_id, succeeded: type === 'succeeded', cost, fingerprint, simulated: line.simulated === true };
}

const isBlank = (text: string): boolean => text.trim() === '';

/**
 * What a crash can leave at the end of a file: the start of one of our lines (every line begins
 * `{"custom_id":` — see ResultsWriter) or zeroed blocks. Anything else was written by someone
 * else and is not ours to cut off.
 */
const OUR_LINE_START = '{"custom_id":';
function isCrashDebris(text: string): boolean {
  const t = text.replace(/\0+$/, '');
  if (t === '' || /^\0*$/.test(text)) return true;
  return t.length <= OUR_LINE_START.length ? OUR_LINE_START.startsWith(t) : t.startsWith(OUR_LINE_START);
}

function foreignTailError(path: string, lineNo: number): Error {
  return new Error(
    `${path}:${lineNo}: the last line is not a Floorline results line nor the torn start of one, so it was not written by Floorline ` +
      'and will not be deleted. If this is not a results file, give another --out; otherwise fix or remove that line, then run again.',
  );
}

/** Refuses to touch a results file (or its folder) that cannot be written, before anything is changed. */
function checkWritable(path: string): void {
  for (const [target, what] of [[path, 'file'], [dirname(path), 'folder']] as const) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`${target}: the results ${what} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was changed. Fix its permissions, or give another --out.`);
    }
  }
}

function midFileError(path: string, lineNo: number, reason: string): Error {
  return new Error(
    `${path}:${lineNo}: not a Floorline results line (${reason}). ` +
      'Floorline only appends whole lines, so this line was written or edited by something else and ' +
      'will not be deleted automatically. Fix or remove that line (or move the file away to start over), then run again.',
  );
}

/** What the tail of the file needs. */
type Tail = { kind: 'ok' } | { kind: 'truncate'; at: number; end: number } | { kind: 'newline' };
interface Scan {
  tail: Tail;
  /** Line numbers to drop if rewriting, ascending (a few bytes each: cheap even for millions of errors). */
  drops: number[];
}

/** First pass: fills `state` as if the drops were done, and finds what the tail needs. */
async function scanFile(path: string, state: ResumeState, dropRetryable: boolean): Promise<Scan> {
  const drops: number[] = [];
  // `as`: both are assigned inside the callback, which TypeScript's narrowing does not see.
  let tail = { kind: 'ok' } as Tail;
  // A bad line is fatal unless it is the very last one (a torn tail); decided when the next line arrives.
  let suspect = null as { lineNo: number; reason: string; start: number; end: number; debris: boolean } | null;
  await forEachLine(path, (line) => {
    if (suspect) throw midFileError(path, suspect.lineNo, suspect.reason);
    const text = line.bytes.toString('utf8');
    if (isBlank(text)) {
      if (!line.terminated) tail = { kind: 'truncate', at: line.start, end: line.end };
      else drops.push(line.lineNo);
      return;
    }
    const parsed = parseLine(text);
    if (!parsed.ok) {
      // Valid JSON of the wrong shape is never a fragment of one of our lines: not a crash, not ours.
      if (parsed.json) throw midFileError(path, line.lineNo, parsed.reason);
      if (!line.terminated) {
        if (!isCrashDebris(text)) throw foreignTailError(path, line.lineNo);
        tail = { kind: 'truncate', at: line.start, end: line.end };
      } else suspect = { lineNo: line.lineNo, reason: parsed.reason, start: line.start, end: line.end, debris: isCrashDebris(text) };
      return;
    }
    // The data is whole; only the newline is missing. Keep it.
    if (!line.terminated) tail = { kind: 'newline' };
    if (!parsed.succeeded) {
      state.erroredDropped++;
      drops.push(line.lineNo);
      if (!dropRetryable) state.retained.add(parsed.id);
    } else if (state.succeeded.has(parsed.id)) {
      state.duplicatesDropped++;
      drops.push(line.lineNo);
    } else {
      state.succeeded.add(parsed.id);
      state.keptLines++;
      state.spentUsd += parsed.cost;
      if (parsed.fingerprint !== undefined) state.fingerprintDigest.add(parsed.id, parsed.fingerprint);
      if (parsed.simulated) {
        state.simulatedLines++;
        state.firstSimulatedLine ??= line.lineNo;
      } else {
        state.realLines++;
        state.firstRealLine ??= line.lineNo;
      }
    }
  });
  // The last line ended with a newline but is not JSON: garbage left by a crash (e.g. zeroed
  // blocks) is cut off; a line someone wrote by hand is not ours to delete.
  if (suspect !== null) {
    if (!suspect.debris) throw foreignTailError(path, suspect.lineNo);
    tail = { kind: 'truncate', at: suspect.start, end: suspect.end };
  }
  if (tail.kind === 'truncate') {
    state.tornTailRepaired = true;
    state.tornBytesDropped = tail.end - tail.at;
  } else if (tail.kind === 'newline') {
    state.tornTailRepaired = true;
  }
  return { tail, drops };
}

/**
 * The succeeded ids of a results file `prepareResume` left (whole lines, one per id), each with the
 * fingerprint its line recorded if it has one. Read only when the digest says some line changed: a
 * number per id costs ~8 MB more on a million lines.
 */
export async function recordedFingerprints(path: string): Promise<ExactIdMap> {
  const ids = new ExactIdMap();
  await forEachLine(path, (line) => {
    const text = line.bytes.toString('utf8');
    if (isBlank(text)) return;
    const parsed = parseLine(text);
    if (!parsed.ok) throw midFileError(path, line.lineNo, parsed.reason);
    if (!parsed.succeeded || ids.has(parsed.id)) return;
    if (parsed.fingerprint === undefined) ids.add(parsed.id);
    else ids.set(parsed.id, parsed.fingerprint);
  });
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Repairs

/** In place: cutting a torn fragment or adding a newline cannot lose any whole line. */
async function repairTail(path: string, { tail }: Scan): Promise<void> {
  if (tail.kind === 'ok') return;
  const file = await fs.promises.open(path, tail.kind === 'truncate' ? 'r+' : 'a');
  try {
    if (tail.kind === 'truncate') await file.truncate(tail.at);
    else await writeAll(file, Buffer.from('\n'));
    await file.datasync();
  } finally {
    await file.close();
  }
}

/**
 * Second pass: copies every line but `drops` (verbatim, no parsing: the scan vetted them all) to a
 * temp file beside `path`, fsyncs it and renames it over `path` (atomic on one filesystem).
 * Line numbers still match the scan: the tail repair only cut or completed the last line.
 */
async function rewriteWithout(path: string, drops: number[]): Promise<void> {
  // The leftover of a crashed rewrite was removed at the start (`prepareResume`); this one's own temp name finds it next time.
  await replaceFileAtomically(
    path,
    async (out) => {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (batchBytes === 0) return;
        const data = Buffer.concat(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        await writeAll(out, data);
      };
      const newline = Buffer.from('\n');
      let next = 0; // index into drops
      // Lines are gathered synchronously by the scanner and written between chunks, in big batches.
      await forEachLine(
        path,
        (line) => {
          if (drops[next] === line.lineNo) {
            next++;
            return;
          }
          batch.push(line.bytes, newline);
          batchBytes += line.bytes.length + 1;
        },
        // Each read's kept lines go out before the next read reuses their buffer.
        flush,
      );
      await flush();
    },
    { temp: resumeTempPath(path) },
  );
}

async function writeAll(file: fs.promises.FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}
