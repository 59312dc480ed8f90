// Sets of custom_ids for files of millions of lines, in typed arrays instead of a Set/Map of strings.
//
// A Map<string, number> of a million ids like `id-123456` holds ~58 MB on V8's heap (the string, the
// table entry, a boxed number: ~60 bytes an id, ~140 for a UUID), and growing it briefly holds the
// old and the new table; the scan's Map was ~55 of the 175 MB the scan of a million lines took.
// Here an id costs a hash and a number in typed arrays: ~21 bytes, whatever its length. Entries
// live in pages (appending never copies them) and the index in 64 independent segments, so growing
// briefly costs 1/64 of the index, not twice the table.
//
// A hash only says "probably the same id", and both uses need certainty:
//   - `FirstLines` (the scan's duplicate check) stores 52-bit hashes and the first line of each id.
//     A hash seen before makes the id a *suspect*: the earlier line is read again from the file and
//     its id compared exactly, so a duplicate is never reported falsely nor missed. Suspects are the
//     true duplicates (an error the user must fix) plus, at a million ids, a 1-in-10,000 chance of
//     one collision; only their ids are kept as strings.
//   - `ExactIdMap` (a resume's "already succeeded" set, whose false positive would silently skip a
//     line) cannot read anything again: its ids come from a results file that is rewritten after it
//     is read, and membership of an arbitrary id can only be exact if every id is known exactly. So
//     it keeps each id's UTF-8 bytes, packed one after another in a byte arena, and compares them on
//     a hash match: ~36 bytes an id with its fingerprint, against ~95 (~180 for UUIDs) as a Set and
//     a Map of strings.
import * as fs from 'node:fs';

/** A hash of an id: an integer in [0, 2^52), exactly representable as a double. Injectable for tests. */
export type IdHash = (id: string) => number;

const TWO_32 = 0x1_0000_0000;

/** Murmur3's finaliser: every input bit affects every output bit, so `id-1`, `id-2`… spread out. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * 52 bits from two independently mixed 32-bit lanes over the UTF-16 code units (FNV-1a, and a
 * multiply-xorshift lane). Not cryptographic: ids crafted to collide cost a re-read or a byte
 * comparison each, never a wrong answer.
 */
export function hashId(id: string): number {
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9e3779b9 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (fmix32(b) & 0xfffff) * TWO_32 + fmix32(a);
}

// ---------------------------------------------------------------------------------------------
// Storage: typed arrays in pages (growing never copies what is stored), and an index over them.

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
const FIRST_PAGE = 256;

/**
 * Growable typed arrays in pages of 64K elements: appending never copies a full page, so there is
 * no moment holding the old and the new array. The first page starts small and doubles (most files
 * are small).
 */
class PagedUint32 {
  private readonly pages: Uint32Array[] = [new Uint32Array(FIRST_PAGE)];
  get(i: number): number {
    return this.pages[i >>> PAGE_BITS]![i & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const p = i >>> PAGE_BITS;
    if (p === 0 && i >= this.pages[0]!.length) {
      const grown = new Uint32Array(Math.min(PAGE_SIZE, this.pages[0]!.length * 2));
      grown.set(this.pages[0]!);
      this.pages[0] = grown;
    }
    // Entries are appended in order, so at most one page is missing.
    while (p >= this.pages.length) this.pages.push(new Uint32Array(PAGE_SIZE));
    this.pages[p]![i & PAGE_MASK] = value;
  }
  get byteLength(): number {
    let bytes = 0;
    for (const page of this.pages) bytes += page.byteLength;
    return bytes;
  }
}

class PagedFloat64 {
  private readonly pages: Float64Array[] = [new Float64Array(FIRST_PAGE)];
  get(i: number): number {
    return this.pages[i >>> PAGE_BITS]![i & PAGE_MASK]!;
  }
  set(i: number, value: number): void {
    const p = i >>> PAGE_BITS;
    if (p === 0 && i >= this.pages[0]!.length) {
      const grown = new Float64Array(Math.min(PAGE_SIZE, this.pages[0]!.length * 2));
      grown.set(this.pages[0]!);
      this.pages[0] = grown;
    }
    while (p >= this.pages.length) this.pages.push(new Float64Array(PAGE_SIZE));
    this.pages[p]![i & PAGE_MASK] = value;
  }
  get byteLength(): number {
    let bytes = 0;
    for (const page of this.pages) bytes += page.byteLength;
    return bytes;
  }
}

const SEGMENT_BITS = 6;
const SEGMENTS = 1 << SEGMENT_BITS;
const SEGMENT_MASK = SEGMENTS - 1;
/** Linear probing stays short up to 3/4 full. */
const MAX_LOAD_NUM = 3;
const MAX_LOAD_DEN = 4;

export interface IndexOptions {
  /** Slots each of the 64 segments starts with (a power of two; default 16). Tests use 1 to force growth. */
  initialSegmentSlots?: number;
}

/**
 * Open addressing from a 32-bit key (the low bits of an id's hash) to entry numbers 0, 1, 2… in
 * insertion order. Equal keys are allowed (different ids can share them): `find` offers each
 * candidate to the caller, which decides.
 */
class EntryIndex {
  /** Per segment: entry number + 1 per slot (0 = empty). */
  private readonly slots: Uint32Array[] = [];
  private readonly counts = new Uint32Array(SEGMENTS);
  /** Each entry's key, to find its slot again when a segment grows. */
  private readonly keys = new PagedUint32();
  size = 0;

  constructor(options: IndexOptions = {}) {
    const initial = options.initialSegmentSlots ?? 16;
    if (!(initial >= 1 && (initial & (initial - 1)) === 0)) throw new RangeError(`initialSegmentSlots must be a power of two, got ${initial}`);
    for (let s = 0; s < SEGMENTS; s++) this.slots.push(new Uint32Array(initial));
  }

  /** The first entry with `key` (in probe order) that `accept` takes, or -1. */
  find(key: number, accept: (entry: number) => boolean): number {
    const slots = this.slots[key & SEGMENT_MASK]!;
    const mask = slots.length - 1;
    for (let i = (key >>> SEGMENT_BITS) & mask; ; i = (i + 1) & mask) {
      const e = slots[i]!;
      if (e === 0) return -1;
      if (this.keys.get(e - 1) === key && accept(e - 1)) return e - 1;
    }
  }

  /** Appends an entry with `key`; returns its number. */
  add(key: number): number {
    const s = key & SEGMENT_MASK;
    let slots = this.slots[s]!;
    if ((this.counts[s]! + 1) * MAX_LOAD_DEN > slots.length * MAX_LOAD_NUM) slots = this.grow(s);
    const entry = this.size++;
    this.keys.set(entry, key);
    place(slots, key, entry + 1);
    this.counts[s]!++;
    return entry;
  }

  get byteLength(): number {
    let bytes = this.keys.byteLength + this.counts.byteLength;
    for (const s of this.slots) bytes += s.byteLength;
    return bytes;
  }

  private grow(s: number): Uint32Array {
    const old = this.slots[s]!;
    const slots = new Uint32Array(old.length * 2);
    for (const e of old) if (e !== 0) place(slots, this.keys.get(e - 1), e);
    this.slots[s] = slots;
    return slots;
  }
}

function place(slots: Uint32Array, key: number, value: number): void {
  const mask = slots.length - 1;
  let i = (key >>> SEGMENT_BITS) & mask;
  while (slots[i] !== 0) i = (i + 1) & mask;
  slots[i] = value;
}

// ---------------------------------------------------------------------------------------------
// The scan's duplicate check

const MAX_LINE = 0xffff_ffff;

export interface FirstLinesOptions extends IndexOptions {
  /**
   * The id on `line` as read again now (from the file), or undefined if that line no longer has
   * one (the file changed). Called only to confirm a suspect.
   */
  idOfLine: (line: number) => string | undefined;
  hash?: IdHash;
}

/**
 * The first line of each id: 12 bytes an id in the arrays (a 52-bit hash and a line number) plus
 * the index's ~5-11. Exact: a hash that was seen before is confirmed by reading the earlier line's
 * id again (`idOfLine`), and only ids that needed that are kept as strings.
 */
export class FirstLines {
  private readonly index: EntryIndex;
  private readonly highBits = new PagedUint32();
  private readonly lines = new PagedUint32();
  /** Ids known exactly, with their first line: those of re-read lines, and those that shared a hash with one. */
  private readonly exact = new Map<string, number>();
  /** Entries whose id is in `exact` (read again already, or added exactly). */
  private readonly resolved = new Set<number>();
  private readonly idOfLine: (line: number) => string | undefined;
  private readonly hash: IdHash;
  /** Lines read again to confirm a suspect (for tests and the bench). */
  reReads = 0;
  // The last lookup, for the `add` that usually follows it.
  private lastId: string | undefined;
  private lastHash = 0;
  private lastSuspect = false;
  private query = '';

  constructor(options: FirstLinesOptions) {
    this.index = new EntryIndex(options);
    this.idOfLine = options.idOfLine;
    this.hash = options.hash ?? hashId;
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes held in typed arrays (the strings of suspects not included). */
  get byteLength(): number {
    return this.index.byteLength + this.highBits.byteLength + this.lines.byteLength;
  }

  /** The line `id` was first added with, or undefined. */
  lookup(id: string): number | undefined {
    const h = this.hash(id);
    this.lastId = id;
    this.lastHash = h;
    this.lastSuspect = false;
    const known = this.exact.get(id);
    if (known !== undefined) return known;
    this.query = id;
    const entry = this.index.find(h >>> 0, this.sameId);
    return entry === -1 ? undefined : this.lines.get(entry);
  }

  /** Records `line` as the first line of `id`, which `lookup` did not find. */
  add(id: string, line: number): void {
    if (!(line >= 1 && line <= MAX_LINE && Number.isInteger(line))) throw new RangeError(`line ${line} is out of range for the id index`);
    const h = this.lastId === id ? this.lastHash : this.hash(id);
    const entry = this.index.add(h >>> 0);
    this.highBits.set(entry, Math.floor(h / TWO_32));
    this.lines.set(entry, line);
    // It shares its hash with an id already here: keep it exactly, so the next of either is told
    // apart without reading again.
    if (this.lastId === id && this.lastSuspect) {
      this.exact.set(id, line);
      this.resolved.add(entry);
    }
    this.lastId = undefined;
  }

  /** The candidate's full hash matches: it is the same id only if its line, read again, says so. */
  private readonly sameId = (entry: number): boolean => {
    if (this.highBits.get(entry) !== Math.floor(this.lastHash / TWO_32)) return false;
    this.lastSuspect = true;
    // Its id is in `exact` already, and `query` is not (that was looked up first).
    if (this.resolved.has(entry)) return false;
    this.resolved.add(entry);
    const line = this.lines.get(entry);
    this.reReads++;
    const id = this.idOfLine(line);
    if (id === undefined) return false;
    this.exact.set(id, line);
    return id === this.query;
  };
}

// ---------------------------------------------------------------------------------------------
// Reading one line of a file again

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

// ---------------------------------------------------------------------------------------------
// An exact set of ids, each with an optional number

/** What a resume exposes of its set of ids: the shape of a Set<string> that the callers use. */
export interface IdSet extends Iterable<string> {
  readonly size: number;
  has(id: string): boolean;
  add(id: string): unknown;
}

/** The numbers stored with some ids of an `ExactIdMap`: the shape of a Map<string, number>. */
export interface IdNumbers extends Iterable<[string, number]> {
  /** Ids with a number. */
  readonly size: number;
  get(id: string): number | undefined;
  has(id: string): boolean;
  set(id: string, value: number): unknown;
}

/** Arena chunks grow from 4 KiB to this; an offset within one fits in 20 bits. */
const CHUNK_MAX = 1 << 20;
const CHUNK_MIN = 1 << 12;

export interface ExactIdMapOptions extends IndexOptions {
  hash?: IdHash;
}

/**
 * An exact set of ids in insertion order, with an optional number per id (a fingerprint). Each id
 * costs its UTF-8 bytes + 1 in a byte arena, 16 bytes of entry (hash key, arena position, number)
 * and ~5-11 bytes of index; nothing per id on V8's heap. A hash match is confirmed byte by byte.
 */
export class ExactIdMap implements IdSet {
  private readonly index: EntryIndex;
  private readonly hash: IdHash;
  /** Arena position of each entry's record (a varint byte length, then the bytes): chunk · 2^20 + offset. */
  private readonly where = new PagedUint32();
  /** Each entry's number; NaN for none. */
  private readonly values = new PagedFloat64();
  /** Chunk 0 is never used, so no position is 0. */
  private readonly chunks: Buffer[] = [Buffer.alloc(0)];
  private used = 0;
  private withValues = 0;
  // The last id looked up and its hash, for the `append` that may follow.
  private query = '';
  private queryHash = 0;

  constructor(options: ExactIdMapOptions = {}) {
    this.index = new EntryIndex(options);
    this.hash = options.hash ?? hashId;
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes held in typed arrays and the arena. */
  get byteLength(): number {
    let bytes = this.index.byteLength + this.where.byteLength + this.values.byteLength;
    for (const c of this.chunks) bytes += c.length;
    return bytes;
  }

  has(id: string): boolean {
    return this.entryOf(id) !== -1;
  }

  get(id: string): number | undefined {
    const e = this.entryOf(id);
    if (e === -1) return undefined;
    const v = this.values.get(e);
    return Number.isNaN(v) ? undefined : v;
  }

  /** Adds `id` (with no number, if new). */
  add(id: string): this {
    if (this.entryOf(id) === -1) this.append(id, Number.NaN);
    return this;
  }

  /** Adds `id` if new, and stores `value` with it. */
  set(id: string, value: number): this {
    if (Number.isNaN(value)) throw new RangeError('ExactIdMap cannot store NaN');
    const e = this.entryOf(id);
    if (e === -1) {
      this.append(id, value);
    } else {
      if (Number.isNaN(this.values.get(e))) this.withValues++;
      this.values.set(e, value);
    }
    return this;
  }

  /** The ids, in the order they were added. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let e = 0; e < this.size; e++) yield this.idAt(e);
  }

  /** A Map-like view of the ids that have a number. */
  numbers(): IdNumbers {
    const map = this;
    return {
      get size() {
        return map.withValues;
      },
      get: (id) => map.get(id),
      has: (id) => map.get(id) !== undefined,
      set: (id, value) => map.set(id, value),
      *[Symbol.iterator](): IterableIterator<[string, number]> {
        for (let e = 0; e < map.size; e++) {
          const v = map.values.get(e);
          if (!Number.isNaN(v)) yield [map.idAt(e), v];
        }
      },
    };
  }

  private entryOf(id: string): number {
    this.query = id;
    this.queryHash = this.hash(id);
    return this.index.find(this.queryHash >>> 0, this.sameId);
  }

  private readonly sameId = (entry: number): boolean => {
    const chunk = this.locate(entry);
    return equalsUtf8(this.query, chunk, this.recordStart, this.recordEnd);
  };

  private idAt(entry: number): string {
    return this.locate(entry).toString('utf8', this.recordStart, this.recordEnd);
  }

  // Where `locate` found the last record's bytes (fields, not a returned tuple: no allocation per probe).
  private recordStart = 0;
  private recordEnd = 0;

  /** The chunk holding `entry`'s record; its bytes are [recordStart, recordEnd). */
  private locate(entry: number): Buffer {
    const w = this.where.get(entry);
    const chunk = this.chunks[Math.floor(w / CHUNK_MAX)]!;
    let at = w % CHUNK_MAX;
    let length = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = chunk[at++]!;
      length += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    this.recordStart = at;
    this.recordEnd = at + length;
    return chunk;
  }

  private append(id: string, value: number): void {
    const length = Buffer.byteLength(id, 'utf8');
    let prefix = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 128)) prefix++;
    let chunk = this.chunks[this.chunks.length - 1]!;
    if (this.used + prefix + length > chunk.length) {
      // Chunks double up to CHUNK_MAX, so a small set stays small; an id longer than that gets a
      // chunk of its own.
      const size = Math.max(prefix + length, Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, chunk.length * 2)));
      if (this.chunks.length >= TWO_32 / CHUNK_MAX) throw new RangeError('ExactIdMap is full (4 GiB of ids)');
      chunk = Buffer.allocUnsafe(size);
      this.chunks.push(chunk);
      this.used = 0;
    }
    const w = (this.chunks.length - 1) * CHUNK_MAX + this.used;
    let at = this.used;
    for (let n = length; ; n = Math.floor(n / 128)) {
      if (n < 0x80) {
        chunk[at++] = n;
        break;
      }
      chunk[at++] = (n & 0x7f) | 0x80;
    }
    chunk.write(id, at, length, 'utf8');
    this.used = at + length;
    const e = this.index.add((this.query === id ? this.queryHash : this.hash(id)) >>> 0);
    this.where.set(e, w);
    this.values.set(e, value);
    if (!Number.isNaN(value)) this.withValues++;
  }
}

/** `id` encoded as UTF-8 equals bytes[start, end): compared in place for ASCII, the usual case. */
function equalsUtf8(id: string, bytes: Buffer, start: number, end: number): boolean {
  // A UTF-8 encoding is never shorter than the string's UTF-16 length.
  if (end - start < id.length) return false;
  let i = 0;
  for (; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) break;
    if (bytes[start + i] !== c) return false;
  }
  if (i === id.length) return end - start === id.length;
  return Buffer.from(id.slice(i), 'utf8').equals(bytes.subarray(start + i, end));
}
