// Floorline's one line scanner: the lines of a file by byte offset, streamed from any offset with
// positional reads into one reused buffer; and lines read back by offset (a page of rows, a detail,
// a search).
//
// Every JSONL reader is built on it: input/line-reader.ts decodes the lines as text (checking their
// UTF-8, reporting a line longer than a request may be), and the results file's index and resume use
// the offsets (to read a row again, to cut a torn tail) and start where they stopped (a growing file
// is read once). One scanner, so a line break, a CRLF, a byte-order mark or an over-long line means
// the same to every reader, and a fix to one is a fix to all.
import type { FileHandle } from 'node:fs/promises';

const LF = 0x0a;
const CR = 0x0d;
/** 1 MiB reads: a 100 MB file in ~100 reads; one buffer, reused, so nothing piles up for the GC. */
const READ_SIZE = 1 << 20;
/**
 * The longest line held whole, by default (a results line). A reply is at most ~128k tokens (~1 MB
 * of JSON); a line past this is not a result line, and is counted (as unreadable) without being
 * held: a 2 GB line with no line break costs a few MB, not 2 GB.
 */
const MAX_LINE_BYTES = 64 << 20;
/** Adjacent lines are read together up to this size; a gap this small between them is read through. */
const BATCH_BYTES = 1 << 20;
const GAP_BYTES = 16 << 10;

export interface ChunkOptions {
  /** Bytes per read (default 1 MiB). */
  readSize?: number;
  /** A longer line (without its CR, LF or byte-order mark) is reported by its length, not held (default 64 MiB). */
  maxLineBytes?: number;
  /**
   * Pass on a last line without a line break too, in a chunk of its own marked `unterminated`
   * (default false: it is a tail still being written, or cut by a crash, for the caller to read).
   */
  lastLine?: boolean;
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
 * The complete lines one read ended. Line `line + i` is `bytes[starts[i], ends[i])` (no line break,
 * no CR, no byte-order mark) at file offset `origin + starts[i]`; the next line starts at `origin +
 * nexts[i]`. A line over `maxLineBytes` has `starts[i] === -1` and `ends[i]` its length (its bytes
 * were not kept). Everything here, the buffer included, is reused: valid until the next iteration.
 */
export interface LineChunk {
  bytes: Buffer;
  origin: number;
  line: number;
  count: number;
  starts: number[];
  ends: number[];
  nexts: number[];
  /** The file offset just past this read (for progress). */
  readTo: number;
  /** Its one line is the file's last and had no line break (only with `lastLine`). */
  unterminated: boolean;
}

/**
 * The scanner: streams the complete lines of `handle` from `from` to the end of the file, a chunk per
 * read (reads that end no line are not yielded), and returns where it stopped. Blank lines are passed
 * on too (they count in line numbers). Holds one read plus the line being read, at most
 * `maxLineBytes`; the room a long line took is given back once it is read.
 */
export async function* lineChunks(handle: FileHandle, from: ScanPosition, options: ChunkOptions = {}): AsyncGenerator<LineChunk, ScanEnd> {
  const readSize = options.readSize ?? READ_SIZE;
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  // A held line this long is too long even without a byte-order mark (3) and a CR (1).
  const maxHeld = maxLine + 5;
  let buf = Buffer.allocUnsafe(readSize);
  let origin = from.offset; // the file offset of buf[0]
  let held = 0; // buf[0, held): the start of a line whose end has not been read yet
  let line = from.line;
  let overlongStart = -1; // while skipping an over-long line: where it started
  let overlongBom = 0; // ... and the byte-order mark before it, not counted in its length
  let lastByte = -1; // the previous read's last byte (a CR before a LF that starts this read)
  const chunk: LineChunk = { bytes: buf, origin, line, count: 0, starts: [], ends: [], nexts: [], readTo: origin, unterminated: false };
  const { starts, ends, nexts } = chunk;
  for (;;) {
    if (held >= maxHeld) {
      overlongStart = origin;
      overlongBom = origin === 0 && isBom(buf, 0) ? 3 : 0;
      origin += held;
      held = 0;
    } else if (buf.length > 2 * readSize && held <= readSize) {
      // A long line is behind us: give its buffer back (up to maxLineBytes) rather than keep it for
      // the rest of the file.
      const usual = Buffer.allocUnsafe(2 * readSize);
      buf.copy(usual, 0, 0, held);
      buf = usual;
    } else if (buf.length - held < readSize && buf.length < maxHeld) {
      // Room for a whole read, up to the longest line held.
      const grown = Buffer.allocUnsafe(Math.min(Math.max(buf.length * 2, held + readSize), maxHeld));
      buf.copy(grown, 0, 0, held);
      buf = grown;
    }
    const { bytesRead } = await handle.read(buf, held, Math.min(readSize, buf.length - held), origin + held);
    if (bytesRead === 0) break;
    const length = held + bytesRead;
    const view = buf.subarray(0, length);
    let next = 0;
    let n = 0;
    if (overlongStart !== -1) {
      const lf = view.indexOf(LF);
      if (lf === -1) {
        lastByte = view[length - 1]!;
        origin += length;
        continue;
      }
      const cr = (lf > 0 ? view[lf - 1] : lastByte) === CR ? 1 : 0;
      starts[0] = -1;
      ends[0] = origin + lf - cr - overlongStart - overlongBom;
      nexts[0] = lf + 1;
      n = 1;
      overlongStart = -1;
      next = lf + 1;
    }
    for (let lf = view.indexOf(LF, next); lf !== -1; lf = view.indexOf(LF, next)) {
      let start = next;
      // A UTF-8 byte-order mark opens the file, not the first line.
      if (origin + start === 0 && isBom(view, 0)) start = Math.min(3, lf);
      const end = lf > start && view[lf - 1] === CR ? lf - 1 : lf;
      if (end - start > maxLine) {
        starts[n] = -1;
        ends[n] = end - start;
      } else {
        starts[n] = start;
        ends[n] = end;
      }
      nexts[n++] = lf + 1;
      next = lf + 1;
    }
    if (n > 0) {
      chunk.bytes = view;
      chunk.origin = origin;
      chunk.line = line;
      chunk.count = n;
      chunk.readTo = origin + length;
      line += n;
      yield chunk;
    }
    lastByte = view[length - 1]!;
    held = length - next;
    if (held > 0 && next > 0) buf.copyWithin(0, next, length);
    origin += next;
  }
  const end: ScanEnd = overlongStart !== -1 ? { offset: overlongStart, line, partialTail: true } : { offset: origin, line, partialTail: held > 0 };
  if (!end.partialTail || !options.lastLine) return end;
  // The last line ends with the file: the same trimming as a line that ends at a line break.
  const crs = (held > 0 ? buf[held - 1] : lastByte) === CR ? 1 : 0;
  if (overlongStart !== -1) {
    starts[0] = -1;
    ends[0] = origin - overlongStart - overlongBom - crs;
  } else {
    const start = origin === 0 && held >= 3 && isBom(buf, 0) ? 3 : 0;
    if (start === held) return end; // a byte-order mark alone is no line
    const stop = held - crs;
    starts[0] = stop - start > maxLine ? -1 : start;
    ends[0] = stop - start > maxLine ? stop - start : stop;
  }
  nexts[0] = held;
  chunk.bytes = buf.subarray(0, held);
  chunk.origin = origin;
  chunk.line = line;
  chunk.count = 1;
  chunk.readTo = origin + held;
  chunk.unterminated = true;
  yield chunk;
  return end;
}

/** A UTF-8 byte-order mark at `at`. */
function isBom(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

/**
 * A complete line: `bytes[start, end)` at `offset` in the file; `next` is the offset just past its
 * line break (where the next line starts). The bytes are valid only during the call, or until
 * `afterChunk`: the buffer is reused.
 */
export type OnLine = (bytes: Buffer, start: number, end: number, offset: number, line: number, next: number) => void;

export interface ScanOptions extends ChunkOptions {
  /** Awaited after each read's lines, while their bytes are still valid: the place to write them out. */
  afterChunk?: () => Promise<void>;
}

/**
 * `lineChunks` a line at a time: each complete line to `onLine`, an over-long one (its number and
 * length) to `onTooLong` instead. A last line without a line break is not passed on: `partialTail`
 * says it is there, at `offset`, for the caller to read.
 */
export async function scanLines(handle: FileHandle, from: ScanPosition, onLine: OnLine, onTooLong: (line: number, bytes: number) => void, options: ScanOptions = {}): Promise<ScanEnd> {
  const chunks = lineChunks(handle, from, options);
  for (;;) {
    const read = await chunks.next();
    if (read.done) return read.value;
    const { bytes, origin, line, count, starts, ends, nexts } = read.value;
    for (let i = 0; i < count; i++) {
      const start = starts[i]!;
      if (start === -1) onTooLong(line + i, ends[i]!);
      else onLine(bytes, start, ends[i]!, origin + start, line + i, origin + nexts[i]!);
    }
    if (options.afterChunk) await options.afterChunk();
  }
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
