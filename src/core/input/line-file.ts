// Reading one line of a file again, by number, without holding the file: the scan's duplicate
// check confirms a hash match (first-lines.ts) by reading the first line of that id again.
import * as fs from 'node:fs';

/** Lines between two remembered offsets: a confirmation reads at most this many lines' bytes. */
const STRIDE = 32;
const READ_SIZE = 1 << 20;
/** A block of STRIDE lines up to this size is kept, for the next confirmation nearby. */
const CACHE_MAX = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Line `n` of a file, read again, numbered and trimmed as `readLineBatches` does (lines end at LF,
 * a CR before it and a UTF-8 byte-order mark on line 1 are dropped). The byte offset of every
 * STRIDE-th line is remembered as far as a read has gone (8 bytes per 32 lines), so after the first
 * read a line costs one small read. The file is opened per call: no descriptor outlives a call.
 */
export class LineFile {
  /** starts[k]: the byte offset where line k·STRIDE + 1 starts. */
  private starts = new Float64Array(64);
  private known = 1;
  /** The file's size, once the offsets reached its end. */
  private end: number | undefined;
  private cache: { block: number; bytes: Buffer } | undefined;

  constructor(readonly path: string) {}

  text(n: number): string | undefined {
    const block = Math.floor((n - 1) / STRIDE);
    const skip = n - 1 - block * STRIDE;
    let bytes: Buffer | undefined;
    if (this.cache?.block === block) {
      bytes = nthLine(this.cache.bytes, skip);
    } else {
      const fd = fs.openSync(this.path, 'r');
      try {
        bytes = this.readLine(fd, block, skip);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (bytes === undefined) return undefined;
    if (n === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    return bytes.toString('utf8');
  }

  /** The bytes of line `skip` (0-based) of `block`, without its LF. */
  private readLine(fd: number, block: number, skip: number): Buffer | undefined {
    this.learnOffsets(fd, block + 1);
    if (block >= this.known) return undefined;
    const start = this.starts[block]!;
    const end = block + 1 < this.known ? this.starts[block + 1]! : this.end!;
    if (end - start <= CACHE_MAX) {
      const bytes = readAt(fd, start, end - start);
      this.cache = { block, bytes };
      return nthLine(bytes, skip);
    }
    // A block of long lines: stream it, keeping only the wanted line.
    const pieces: Buffer[] = [];
    let lf = 0;
    for (let pos = start; pos < end; ) {
      const chunk = readAt(fd, pos, Math.min(READ_SIZE, end - pos));
      if (chunk.length === 0) break;
      let from = 0;
      while (lf < skip) {
        const at = chunk.indexOf(LF, from);
        if (at === -1) break;
        lf++;
        from = at + 1;
      }
      if (lf === skip) {
        const at = chunk.indexOf(LF, from);
        pieces.push(chunk.subarray(from, at === -1 ? chunk.length : at));
        if (at !== -1) return Buffer.concat(pieces);
      }
      pos += chunk.length;
    }
    return lf === skip && pieces.length > 0 ? Buffer.concat(pieces) : undefined;
  }

  /** Extends `starts` past block `k` (or to the end of the file), reading on from the last one known. */
  private learnOffsets(fd: number, k: number): void {
    if (this.known > k || this.end !== undefined) return;
    let pos = this.starts[this.known - 1]!;
    let left = STRIDE;
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    while (this.known <= k) {
      const read = fs.readSync(fd, buffer, 0, READ_SIZE, pos);
      if (read === 0) {
        this.end = pos;
        return;
      }
      const view = buffer.subarray(0, read);
      for (let at = view.indexOf(LF); at !== -1; at = view.indexOf(LF, at + 1)) {
        if (--left > 0) continue;
        left = STRIDE;
        if (this.known === this.starts.length) {
          const grown = new Float64Array(this.starts.length * 2);
          grown.set(this.starts);
          this.starts = grown;
        }
        this.starts[this.known++] = pos + at + 1;
        if (this.known > k) return;
      }
      pos += read;
    }
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buffer, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buffer.subarray(0, got);
}

/** Line `skip` (0-based) of `bytes`, without its LF; undefined past the last. */
function nthLine(bytes: Buffer, skip: number): Buffer | undefined {
  let from = 0;
  for (let i = 0; i < skip; i++) {
    const at = bytes.indexOf(LF, from);
    if (at === -1) return undefined;
    from = at + 1;
  }
  if (from >= bytes.length) return undefined;
  const at = bytes.indexOf(LF, from);
  return bytes.subarray(from, at === -1 ? bytes.length : at);
}
