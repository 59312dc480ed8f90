// Sets of custom_ids for files of millions of lines, without a Set/Map of strings.
//
// A Map<string, number> of a million ids like `id-123456` holds ~58 MB on V8's heap (the string, the
// table entry, a boxed number: ~60 bytes an id, ~140 for a UUID), and growing it briefly holds the
// old and the new table. The sets here keep no object per id, and their index grows one segment at
// a time, so growing briefly costs a sliver of the index, not twice the table.
//
// `ExactIdMap` (a resume's "already succeeded" set, whose false positive would silently skip a line)
// cannot read anything again: its ids come from a results file that is rewritten after it is read,
// and membership of an arbitrary id can only be exact if every id is known exactly. So it keeps each
// id's UTF-8 bytes, packed one after another in a byte arena, and compares them on a hash match:
// ~25 bytes an id with its fingerprint, against ~95 (~180 for UUIDs) as a Set and a Map of strings.
// The scan's duplicate check, which can read a line again, is `FirstLines` (first-lines.ts); both
// share `hashId`; `LineFile` (line-file.ts) reads a line again.

/** A hash of an id: an integer in [0, 2^52), exactly representable as a double. Injectable for tests. */
export type IdHash = (id: string) => number;

const TWO_32 = 0x1_0000_0000;

/** Murmur3's finaliser: every input bit affects every output bit, so `id-1`, `id-2`… spread out. */
export function fmix32(h: number): number {
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

/** Arena chunks grow from 4 KiB to this; a record's position, chunk · 2^20 + offset, fits in 32 bits. */
const CHUNK_MAX = 1 << 20;
const CHUNK_MIN = 1 << 12;
/** A record ends with its number, a float64 (NaN for none), unless the map keeps none. */
const VALUE_BYTES = 8;
const SEGMENT_BITS = 6;
const SEGMENTS = 1 << SEGMENT_BITS;
const SEGMENT_MASK = SEGMENTS - 1;
/** Linear probing stays short below 4/5 full. */
const MAX_LOAD = 0.8;
/** A segment grows by a quarter: never under 64% full once grown (doubling left half-empty tables). */
const GROWTH = 1.25;

export interface ExactIdMapOptions {
  hash?: IdHash;
  /** Slots each of the 64 segments starts with (default 16). Tests use 1 to force growth. */
  initialSegmentSlots?: number;
  /**
   * Keep a number per id (default true). Without, a record is its id alone: a million ids like
   * `id-123456` take ~8 MB less, and `set` throws.
   */
  values?: boolean;
}

/**
 * An exact set of ids in insertion order, with an optional number per id (a fingerprint). Each id
 * is one record in a byte arena (its UTF-8 length as a varint, its bytes, its number) and one slot
 * in a hash index: the record's position (4 bytes) and 8 bits of the id's hash (1 byte), which spare
 * most byte comparisons. ~25 bytes an id like `id-123456`, nothing per id on V8's heap. A hash match
 * is confirmed byte by byte; a segment that grows hashes its ids again from their bytes, since
 * keeping every hash would cost 4 bytes an id more.
 */
export class ExactIdMap implements IdSet {
  /** Per segment: the position of a record per slot (0 = empty: chunk 0 is never used). */
  private readonly slots: Uint32Array[] = [];
  /** Per segment, beside `slots`: 8 bits of the hash of the id in each slot. */
  private readonly tags: Uint8Array[] = [];
  private readonly counts = new Uint32Array(SEGMENTS);
  private entries = 0;
  private readonly hash: IdHash;
  private readonly chunks: Buffer[] = [Buffer.alloc(0)];
  /** Bytes used in each chunk (a record never spans two). */
  private readonly used: number[] = [0];
  private withValues = 0;
  /** VALUE_BYTES, or 0 for a map without numbers. */
  private readonly valueBytes: number;
  // The last id looked up and its hash, for the `append` that may follow.
  private query = '';
  private queryHash = 0;

  constructor(options: ExactIdMapOptions = {}) {
    const initial = options.initialSegmentSlots ?? 16;
    if (!(initial >= 1 && Number.isInteger(initial))) throw new RangeError(`initialSegmentSlots must be a positive integer, got ${initial}`);
    for (let s = 0; s < SEGMENTS; s++) {
      this.slots.push(new Uint32Array(initial));
      this.tags.push(new Uint8Array(initial));
    }
    this.hash = options.hash ?? hashId;
    this.valueBytes = options.values === false ? 0 : VALUE_BYTES;
  }

  get size(): number {
    return this.entries;
  }

  /** Bytes held in the index and the arena. */
  get byteLength(): number {
    let bytes = this.counts.byteLength;
    for (let s = 0; s < SEGMENTS; s++) bytes += this.slots[s]!.byteLength + this.tags[s]!.byteLength;
    for (const c of this.chunks) bytes += c.length;
    return bytes;
  }

  has(id: string): boolean {
    return this.find(id) !== 0;
  }

  get(id: string): number | undefined {
    const at = this.find(id);
    if (at === 0) return undefined;
    const v = this.valueOf(at);
    return Number.isNaN(v) ? undefined : v;
  }

  /** Adds `id` (with no number, if new). */
  add(id: string): this {
    if (this.find(id) === 0) this.append(id, Number.NaN);
    return this;
  }

  /** Adds `id` if new, and stores `value` with it. */
  set(id: string, value: number): this {
    if (Number.isNaN(value)) throw new RangeError('ExactIdMap cannot store NaN');
    if (this.valueBytes === 0) throw new TypeError('this ExactIdMap keeps no numbers (values: false)');
    const at = this.find(id);
    if (at === 0) {
      this.append(id, value);
    } else {
      if (Number.isNaN(this.valueOf(at))) this.withValues++;
      this.chunks[Math.floor(at / CHUNK_MAX)]!.writeDoubleLE(value, this.recordEnd);
    }
    return this;
  }

  /** The ids, in the order they were added. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (const at of this.positions()) yield this.idAt(at);
  }

  /** A Map-like view of the ids that have a number. */
  numbers(): IdNumbers {
    // Arrows keep the map's `this`; the getter below has the view's own.
    const withValues = (): number => this.withValues;
    return {
      get size() {
        return withValues();
      },
      get: (id) => this.get(id),
      has: (id) => this.get(id) !== undefined,
      set: (id, value) => this.set(id, value),
      [Symbol.iterator]: () => this.numberEntries(),
    };
  }

  private *numberEntries(): IterableIterator<[string, number]> {
    for (const at of this.positions()) {
      const v = this.valueOf(at);
      if (!Number.isNaN(v)) yield [this.idAt(at), v];
    }
  }

  /** The position of `id`'s record, or 0. */
  private find(id: string): number {
    const h = this.hash(id);
    this.query = id;
    this.queryHash = h;
    const s = h & SEGMENT_MASK;
    const slots = this.slots[s]!;
    const tags = this.tags[s]!;
    const tag = tagOf(h);
    const size = slots.length;
    for (let i = homeOf(h, size); ; i = i + 1 === size ? 0 : i + 1) {
      const at = slots[i]!;
      if (at === 0) return 0;
      if (tags[i] === tag && equalsUtf8(id, this.locate(at), this.recordStart, this.recordEnd)) return at;
    }
  }

  /** The positions of the records, in the order they were added. */
  private *positions(): IterableIterator<number> {
    for (let c = 1; c < this.chunks.length; c++) {
      for (let offset = 0; offset < this.used[c]!; ) {
        const at = c * CHUNK_MAX + offset;
        this.locate(at);
        offset = this.recordEnd + this.valueBytes;
        yield at;
      }
    }
  }

  private idAt(at: number): string {
    return this.locate(at).toString('utf8', this.recordStart, this.recordEnd);
  }

  private valueOf(at: number): number {
    const chunk = this.locate(at);
    return this.valueBytes === 0 ? Number.NaN : chunk.readDoubleLE(this.recordEnd);
  }

  // Where `locate` found the last record's id bytes, [recordStart, recordEnd), its number just after
  // (fields, not a returned tuple: no allocation per probe).
  private recordStart = 0;
  private recordEnd = 0;

  /** The chunk holding the record at `at`. */
  private locate(at: number): Buffer {
    const chunk = this.chunks[Math.floor(at / CHUNK_MAX)]!;
    let i = at % CHUNK_MAX;
    let length = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = chunk[i++]!;
      length += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    this.recordStart = i;
    this.recordEnd = i + length;
    return chunk;
  }

  private append(id: string, value: number): void {
    const length = Buffer.byteLength(id, 'utf8');
    let prefix = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 128)) prefix++;
    const record = prefix + length + this.valueBytes;
    let c = this.chunks.length - 1;
    let chunk = this.chunks[c]!;
    if (this.used[c]! + record > chunk.length) {
      // Chunks double up to CHUNK_MAX, so a small set stays small; an id longer than that gets a
      // chunk of its own.
      const size = Math.max(record, Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, chunk.length * 2)));
      if (this.chunks.length >= TWO_32 / CHUNK_MAX) throw new RangeError('ExactIdMap is full (4 GiB of ids)');
      chunk = Buffer.allocUnsafe(size);
      this.chunks.push(chunk);
      this.used.push(0);
      c++;
    }
    const at = c * CHUNK_MAX + this.used[c]!;
    let i = this.used[c]!;
    for (let n = length; ; n = Math.floor(n / 128)) {
      if (n < 0x80) {
        chunk[i++] = n;
        break;
      }
      chunk[i++] = (n & 0x7f) | 0x80;
    }
    chunk.write(id, i, length, 'utf8');
    if (this.valueBytes !== 0) chunk.writeDoubleLE(value, i + length);
    this.used[c] = i + length + this.valueBytes;
    if (!Number.isNaN(value)) this.withValues++;

    const h = this.query === id ? this.queryHash : this.hash(id);
    const s = h & SEGMENT_MASK;
    if (this.counts[s]! + 1 > this.slots[s]!.length * MAX_LOAD) this.grow(s);
    place(this.slots[s]!, this.tags[s]!, h, at);
    this.counts[s]!++;
    this.entries++;
  }

  /** A quarter more slots for segment `s`, each id placed again by its hash, recomputed from its bytes. */
  private grow(s: number): void {
    const old = this.slots[s]!;
    const size = Math.ceil(old.length * GROWTH);
    const slots = new Uint32Array(size);
    const tags = new Uint8Array(size);
    for (const at of old) {
      if (at === 0) continue;
      const chunk = this.locate(at);
      const h = this.hash === hashId ? hashIdOfUtf8(chunk, this.recordStart, this.recordEnd) : this.hash(chunk.toString('utf8', this.recordStart, this.recordEnd));
      place(slots, tags, h, at);
    }
    this.slots[s] = slots;
    this.tags[s] = tags;
  }
}

/** Where an id's probe starts in a segment of `size` slots: hash bits above the segment's. */
const homeOf = (hash: number, size: number): number => (hash >>> SEGMENT_BITS) % size;

/** 8 bits from the hash's independent upper lane. */
const tagOf = (hash: number): number => Math.floor(hash / TWO_32) & 0xff;

function place(slots: Uint32Array, tags: Uint8Array, hash: number, at: number): void {
  const size = slots.length;
  let i = homeOf(hash, size);
  while (slots[i] !== 0) i = i + 1 === size ? 0 : i + 1;
  slots[i] = at;
  tags[i] = tagOf(hash);
}

/**
 * `hashId` of the id whose UTF-8 bytes are bytes[start, end), read straight from the bytes when
 * they are ASCII (a byte is then the UTF-16 code unit `hashId` reads), decoded otherwise.
 */
export function hashIdOfUtf8(bytes: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return hashId(bytes.toString('utf8', start, end));
  let a = 0x811c9dc5 ^ (end - start);
  let b = 0x9e3779b9 ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (fmix32(b) & 0xfffff) * TWO_32 + fmix32(a);
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
