// Streams the lines of a file in constant memory: one read chunk plus the longest line, and no
// line is held past the API's request limit (a longer one is reported, not kept).
//
// Own splitting rather than `readline`: on a 1M-line, 215 MB file both read ~1.2M lines/s, but
// `readline` decodes before we can look at the bytes, so invalid UTF-8 would silently become
// U+FFFD and be sent to the API. Here each run of complete lines is checked with the native
// `isUtf8` (near free) and only a region that fails is split byte by byte to find the bad line.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
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
  /** Read size; 64 KiB measured as fast as 1 MiB and keeps the batches small. */
  chunkSize?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The most of one line the reader holds. No longer line can be sent (the API's request limit, which
 * validation applies too), so past it the reader only counts the line's bytes, to say how long it
 * was: a 2 GB line with no line break costs one chunk of memory, not 2 GB and a crash.
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
async function openRegularFile(path: string): Promise<fs.promises.FileHandle> {
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
  return handle;
}

/**
 * The lines of `path`, a batch per read chunk. Cheaper than `readLines` for a consumer that
 * handles every line (one `await` per chunk instead of per line). Rejects with `NotAFileError` when
 * `path` is not a regular file.
 */
export async function* readLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const handle = await openRegularFile(path);
  const stream = handle.createReadStream({ highWaterMark: options.chunkSize ?? 64 * 1024 });
  let pending: Buffer[] = []; // the start of a line whose end has not been read yet
  let pendingBytes = 0;
  // While a line is over MAX_LINE_BYTES: its bytes so far (held no longer), else -1.
  let overlong = -1;
  let lastByte = -1; // the previous chunk's last byte: a CR ending a line whose LF starts this chunk
  let nextLine = 1;
  let bytesRead = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    const before = lastByte;
    lastByte = chunk[chunk.length - 1]!;
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      if (overlong !== -1) {
        overlong += chunk.length;
        continue;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes <= MAX_LINE_BYTES) continue;
      // Too long to ever send: from here on only count it.
      const bom = nextLine === 1 ? byteOrderMark(Buffer.concat(pending, 3)) : 0;
      if (bom === -1) {
        yield unreadable(UTF16_MESSAGE, bytesRead);
        return;
      }
      overlong = pendingBytes - bom;
      pending = [];
      pendingBytes = 0;
      continue;
    }
    // A LF byte never occurs inside a multi-byte UTF-8 sequence, so cutting there is always safe.
    let regionStart = 0;
    let first: Line | undefined;
    const firstLf = chunk.indexOf(LF);
    const endsWithCr = (firstLf > 0 ? chunk[firstLf - 1] : before) === CR ? 1 : 0;
    if (overlong !== -1 || pendingBytes + firstLf > MAX_LINE_BYTES) {
      // The line ending at the first LF is too long (a held line can pass the limit in its last chunk).
      let bytes = overlong;
      if (overlong === -1) {
        const bom = nextLine === 1 ? byteOrderMark(Buffer.concat([...pending, chunk], 3)) : 0;
        if (bom === -1) {
          yield unreadable(UTF16_MESSAGE, bytesRead);
          return;
        }
        bytes = pendingBytes - bom;
      }
      first = tooLong(nextLine++, bytes + firstLf - endsWithCr);
      overlong = -1;
      pending = [];
      pendingBytes = 0;
      regionStart = firstLf + 1;
    }
    let region: Buffer | string = chunk.subarray(regionStart, lastLf + 1);
    if (pending.length > 0) region = Buffer.concat([...pending, region]);
    pending = lastLf + 1 < chunk.length ? [chunk.subarray(lastLf + 1)] : [];
    pendingBytes = chunk.length - (lastLf + 1);
    if (nextLine === 1) region = startOfFile(region);
    if (typeof region === 'string') {
      yield unreadable(region, bytesRead);
      return;
    }
    const lines = region.length > 0 ? splitLines(region, nextLine, true) : [];
    nextLine += lines.length;
    // unshift, not a spread into push: a huge chunk may hold more lines than a call takes arguments.
    if (first) lines.unshift(first);
    yield { lines, bytesRead };
  }
  if (overlong !== -1) {
    // The last line, too long and without a line break.
    yield { lines: [tooLong(nextLine, overlong - (lastByte === CR ? 1 : 0))], bytesRead, unterminated: true };
    return;
  }
  if (pending.length === 0) return;
  // The last line has no line break.
  let region: Buffer | string = Buffer.concat(pending);
  if (nextLine === 1) region = startOfFile(region);
  if (typeof region === 'string') {
    yield unreadable(region, bytesRead);
    return;
  }
  if (region.length > 0) yield { lines: splitLines(region, nextLine, false), bytesRead, unterminated: true };
}

/** A line over MAX_LINE_BYTES, reported without its text (which was never kept). */
function tooLong(line: number, bytes: number): Line {
  return { line, text: '', encodingError: requestTooLargeMessage(bytes) };
}

/** The lines of `path`, one at a time. */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(path, options)) yield* batch.lines;
}

/** A file that cannot be read as UTF-8 at all: one problem on line 1 instead of one per line. */
function unreadable(reason: string, bytesRead: number): LineBatch {
  return { lines: [{ line: 1, text: '', encodingError: reason }], bytesRead };
}

const UTF16_MESSAGE = 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); Floorline reads UTF-8 — save the file as UTF-8';

/** The length of a UTF-8 byte-order mark at the start of `head` (3, or 0 for none); -1 for a UTF-16 one. */
function byteOrderMark(head: Buffer): number {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 3;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return -1;
  return 0;
}

/** Drops a UTF-8 byte-order mark; a UTF-16 one gets a message, since every line would be garbage. */
function startOfFile(region: Buffer): Buffer | string {
  const bom = byteOrderMark(region);
  if (bom === -1) return UTF16_MESSAGE;
  return region.subarray(bom);
}

/** `region` holds whole lines; when `terminated` its last byte is the LF ending the last one. */
function splitLines(region: Buffer, firstLine: number, terminated: boolean): Line[] {
  if (!isUtf8(region)) return splitBadRegion(region, firstLine);
  const texts = region.toString('utf8').split('\n');
  if (terminated) texts.pop(); // the empty string after the final LF
  const lines = new Array<Line>(texts.length);
  for (let i = 0; i < texts.length; i++) lines[i] = { line: firstLine + i, text: withoutCr(texts[i]!) };
  return lines;
}

/** The slow path, for a region with invalid UTF-8 somewhere: find which lines. */
function splitBadRegion(region: Buffer, firstLine: number): Line[] {
  const lines: Line[] = [];
  for (let start = 0, n = firstLine; start < region.length; n++) {
    let end = region.indexOf(LF, start);
    if (end === -1) end = region.length;
    let bytes = region.subarray(start, end);
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    const line: Line = { line: n, text: bytes.toString('utf8') };
    if (!isUtf8(bytes)) line.encodingError = describeBadUtf8(bytes);
    lines.push(line);
    start = end + 1;
  }
  return lines;
}

function withoutCr(text: string): string {
  return text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
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
