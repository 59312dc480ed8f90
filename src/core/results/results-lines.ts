// A results file's lines by byte offset: streamed from any offset (to index the file, or only what a
// live run appended since; a resume's scan and rewrite), and read back by offset (a page of rows, a
// detail, a search).
//
// Not the input's line reader (input/line-reader.ts): that one decodes and checks UTF-8 line by line
// for the API and yields text without byte offsets; the results file needs the offsets (to read a
// row again, to cut a torn tail) and to start where it stopped (a growing file is read once).
import type { FileHandle } from 'node:fs/promises';

const LF = 0x0a;
const CR = 0x0d;
/** 1 MiB reads: a 100 MB file in ~100 reads; one buffer, reused, so nothing piles up for the GC. */
const READ_SIZE = 1 << 20;
/**
 * The longest line held whole. A reply is at most ~128k tokens (~1 MB of JSON); a line past this is
 * not a result line, and is counted (as unreadable) without being held: a 2 GB line with no line
 * break costs a few MB, not 2 GB.
 */
const MAX_LINE_BYTES = 64 << 20;
/** Adjacent lines are read together up to this size; a gap this small between them is read through. */
const BATCH_BYTES = 1 << 20;
const GAP_BYTES = 16 << 10;

/**
 * A complete line: `bytes[start, end)` (no line break, no CR, no byte-order mark) at `offset` in the
 * file; `next` is the offset just past its line break (where the next line starts). The bytes are
 * valid only during the call, or until `afterChunk`: the buffer is reused.
 */
export type OnLine = (bytes: Buffer, start: number, end: number, offset: number, line: number, next: number) => void;

export interface ScanOptions {
  /** Bytes per read (default 1 MiB). */
  readSize?: number;
  /** Awaited after each read's lines, while their bytes are still valid: the place to write them out. */
  afterChunk?: () => Promise<void>;
}

export interface ScanPosition {
  /** Byte offset: the end of the last complete line. */
  offset: number;
  /** The 1-based number of the next line. */
  line: number;
}

export interface ScanEnd extends ScanPosition {
  /** Bytes after the last line break: a line still being written, or cut short by a crash. */
  partialTail: boolean;
}

/**
 * Streams the complete lines of `handle` from `from` to the end of the file. Blank lines are passed
 * on too (they count in line numbers); an over-long line goes to `onTooLong` instead.
 */
export async function scanLines(handle: FileHandle, from: ScanPosition, onLine: OnLine, onTooLong: (line: number) => void, options: ScanOptions = {}): Promise<ScanEnd> {
  let buf = Buffer.allocUnsafe(options.readSize ?? READ_SIZE);
  let origin = from.offset; // the file offset of buf[0]
  let held = 0; // buf[0, held): the start of a line whose end has not been read yet
  let line = from.line;
  let overlongStart = -1; // while skipping an over-long line: where it started
  for (;;) {
    if (held === buf.length) {
      if (buf.length * 2 <= MAX_LINE_BYTES) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, held);
        buf = grown;
      } else {
        overlongStart = origin;
        origin += held;
        held = 0;
      }
    }
    const { bytesRead } = await handle.read(buf, held, buf.length - held, origin + held);
    if (bytesRead === 0) break;
    const view = buf.subarray(0, held + bytesRead);
    let next = 0;
    if (overlongStart !== -1) {
      const lf = view.indexOf(LF);
      if (lf === -1) {
        origin += view.length;
        held = 0;
        continue;
      }
      onTooLong(line++);
      overlongStart = -1;
      next = lf + 1;
    }
    for (let lf = view.indexOf(LF, next); lf !== -1; lf = view.indexOf(LF, next)) {
      let start = next;
      // A UTF-8 byte-order mark opens the file, not the first row.
      if (origin + start === 0 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf) start = Math.min(3, lf);
      const end = lf > start && view[lf - 1] === CR ? lf - 1 : lf;
      onLine(view, start, end, origin + start, line++, origin + lf + 1);
      next = lf + 1;
    }
    if (options.afterChunk) await options.afterChunk();
    held = view.length - next;
    if (held > 0 && next > 0) buf.copyWithin(0, next, view.length);
    origin += next;
  }
  if (overlongStart !== -1) return { offset: overlongStart, line, partialTail: true };
  return { offset: origin, line, partialTail: held > 0 };
}

export interface LineRange {
  offset: number;
  bytes: number;
}

/**
 * The text of each range (in the order given), with positional reads: ranges close together in the
 * file are read with one read of up to BATCH_BYTES. A range past the end of the file (it shrank)
 * comes back shorter, or empty.
 */
export async function readRanges(handle: FileHandle, ranges: readonly LineRange[]): Promise<string[]> {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.offset - ranges[b]!.offset);
  const texts = new Array<string>(ranges.length);
  for (let i = 0; i < order.length; ) {
    const first = ranges[order[i]!]!;
    let end = first.offset + first.bytes;
    let j = i + 1;
    for (; j < order.length; j++) {
      const r = ranges[order[j]!]!;
      const newEnd = Math.max(end, r.offset + r.bytes);
      if (r.offset - end > GAP_BYTES || newEnd - first.offset > BATCH_BYTES) break;
      end = newEnd;
    }
    const block = await readAt(handle, first.offset, end - first.offset);
    for (let k = i; k < j; k++) {
      const r = ranges[order[k]!]!;
      const at = r.offset - first.offset;
      texts[order[k]!] = block.toString('utf8', Math.min(at, block.length), Math.min(at + r.bytes, block.length));
    }
    i = j;
  }
  return texts;
}

/** Up to `length` bytes at `position` (fewer at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}
