// A JSONL file's lines as text (the input, and the spend journal and set-aside results that read
// like it): the lines of the one line scanner (files/line-scanner.ts, which also serves the results
// file by byte offset), decoded. Constant memory: one read plus the longest line, and no line held
// past the API's request limit (a longer one is reported by its size, not kept).
//
// Own decoding rather than `readline`: `readline` decodes before we can look at the bytes, so
// invalid UTF-8 would silently become U+FFFD and be sent to the API. Here each run of complete lines
// is checked with the native `isUtf8` (near free) and only a run that fails is checked line by line
// to find the bad line.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { type LineChunk, lineChunks, readAt } from '../files/line-scanner';
import { MAX_REQUEST_BYTES, requestTooLargeMessage } from './validate-line';

export interface Line {
  /** 1-based; blank lines are counted, so numbers match what an editor shows. */
  line: number;
  /** Without the line break (`\n` or `\r\n`) and, on line 1, without a UTF-8 byte-order mark. */
  text: string;
  /**
   * Set when the line cannot be used as read: its bytes are not valid UTF-8 (then `text` has U+FFFD
   * in their place), or it is longer than any request may be (then `text` is empty: the reader
   * counted its bytes without keeping them). Consumers report it as the line's error.
   */
  encodingError?: string;
}

export interface LineBatch {
  /** The complete lines found in the bytes read so far, in order. */
  lines: Line[];
  /** Bytes of the file read so far (for progress). */
  bytesRead: number;
  /** On the last batch only: the file's last line has no line break (a crash may have cut it short). */
  unterminated?: boolean;
}

export interface ReadLinesOptions {
  /**
   * Read size (default 128 KiB). The reads are awaited one after another, so a read costs a round
   * trip to the thread pool: a 530 MB file took 0.51 s in 64 KiB reads, 0.39 s in 128 KiB, 0.29 s in
   * 256 KiB. Bigger batches hold more lines at once, and a million-line resume peaks within ~1 MB
   * of 100 MB: 128 KiB is as fast as the stream reader this replaced, at 64 KiB's memory.
   */
  chunkSize?: number;
}

/**
 * The most of one line the reader holds. No longer line can be sent (the API's request limit, which
 * validation applies too), so past it the reader only counts the line's bytes, to say how long it
 * was: a 2 GB line with no line break costs at most the limit in memory, not 2 GB and a crash.
 */
const MAX_LINE_BYTES = MAX_REQUEST_BYTES;

/**
 * The input is not a regular file. Floorline reads it twice (the scan checks every line before
 * anything is sent, then the run reads it again to send) and resumes a run by line number, so it
 * needs a file it can read again: a pipe such as `… | floorline run /dev/stdin` would be used up by
 * the scan and leave the run nothing to send.
 */
class NotAFileError extends Error {
  constructor(readonly path: string, stats: fs.Stats) {
    super(
      stats.isDirectory()
        ? `${path} is a directory, not a JSONL file`
        : `${path} is ${kindOf(stats)}, not a regular file: Floorline reads its input twice (to check every line, then to send) and resumes by line number, which a pipe or device cannot give — save the input to a file first (e.g. 'command > requests.jsonl') and run that file`,
    );
    this.name = 'NotAFileError';
  }
}

function kindOf(stats: fs.Stats): string {
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device (a terminal, or a device such as /dev/null)';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** Opens `path` for reading if it is a regular file; otherwise `NotAFileError`, naming what it is. */
async function openRegularFile(path: string): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  let handle: fs.promises.FileHandle;
  try {
    // Non-blocking: opening a named pipe for reading otherwise waits for a writer, forever if none
    // comes, before we could look at it. Reads of a regular file are unaffected by the flag.
    handle = await fs.promises.open(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    // A socket cannot be opened at all (ENXIO), nor a directory on Windows (EISDIR): say what it is.
    const stats = await fs.promises.stat(path).catch(() => undefined);
    if (stats && !stats.isFile()) throw new NotAFileError(path, stats);
    throw err;
  }
  let stats: fs.Stats;
  try {
    // fstat, on what was opened: `path` may be a link (`/dev/stdin`) to something else.
    stats = await handle.stat();
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (!stats.isFile()) {
    await handle.close();
    throw new NotAFileError(path, stats);
  }
  return { handle, size: stats.size };
}

/**
 * The lines of `path`, a batch per read chunk. Cheaper than `readLines` for a consumer that
 * handles every line (one `await` per chunk instead of per line). Rejects with `NotAFileError` when
 * `path` is not a regular file.
 */
export async function* readLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const { handle, size } = await openRegularFile(path);
  try {
    const readSize = options.chunkSize ?? 128 * 1024;
    if (isUtf16(await readAt(handle, 0, 2))) {
      yield unreadable(UTF16_MESSAGE, Math.min(size, readSize));
      return;
    }
    for await (const chunk of lineChunks(handle, { offset: 0, line: 1 }, { readSize, maxLineBytes: MAX_LINE_BYTES, lastLine: true })) {
      yield { lines: decode(chunk), bytesRead: chunk.readTo, ...(chunk.unterminated ? { unterminated: true } : {}) };
    }
  } finally {
    await handle.close();
  }
}

/** The lines of `path`, one at a time. */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(path, options)) yield* batch.lines;
}

/** A chunk's lines as text, while its bytes are valid. */
function decode(chunk: LineChunk): Line[] {
  const { bytes, line, count, starts, ends, nexts } = chunk;
  const lines = new Array<Line>(count);
  for (let i = 0; i < count; ) {
    if (starts[i] === -1) {
      lines[i] = tooLong(line + i, ends[i]!);
      i++;
      continue;
    }
    // A run of lines held whole: one UTF-8 check for all of them, line by line only if it fails.
    let j = i + 1;
    while (j < count && starts[j] !== -1) j++;
    if (isUtf8(bytes.subarray(starts[i]!, nexts[j - 1]!))) {
      for (let k = i; k < j; k++) lines[k] = { line: line + k, text: bytes.toString('utf8', starts[k]!, ends[k]!) };
    } else {
      for (let k = i; k < j; k++) lines[k] = decodeLine(bytes.subarray(starts[k]!, ends[k]!), line + k);
    }
    i = j;
  }
  return lines;
}

function decodeLine(bytes: Buffer, line: number): Line {
  const decoded: Line = { line, text: bytes.toString('utf8') };
  if (!isUtf8(bytes)) decoded.encodingError = describeBadUtf8(bytes);
  return decoded;
}

/** A line over MAX_LINE_BYTES, reported without its text (which was never kept). */
function tooLong(line: number, bytes: number): Line {
  return { line, text: '', encodingError: requestTooLargeMessage(bytes) };
}

/** A file that cannot be read as UTF-8 at all: one problem on line 1 instead of one per line. */
function unreadable(reason: string, bytesRead: number): LineBatch {
  return { lines: [{ line: 1, text: '', encodingError: reason }], bytesRead };
}

const UTF16_MESSAGE = 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); Floorline reads UTF-8 — save the file as UTF-8';

/** Starts with a UTF-16 byte-order mark: every line would be garbage. */
function isUtf16(head: Buffer): boolean {
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
}

function describeBadUtf8(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  const where = at === -1 ? '' : `: byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at byte ${at + 1} of the line`;
  return `the line is not valid UTF-8${where} — save the file as UTF-8 (it may be in Latin-1 or Windows-1252)`;
}

/** Index of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let extra: number;
    if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) extra = 2;
    else if (c >= 0xf0 && c <= 0xf4) extra = 3;
    else return i;
    // The second byte's range excludes overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= extra; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += extra + 1;
  }
  return -1;
}
