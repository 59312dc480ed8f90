// The scan's duplicate check: the first line of each custom_id, for files of millions of lines.
//
// An id costs one slot of 8 bytes (10-13 bytes an id as the tables fill and grow), whatever its
// length. The slots are plain arrays of numbers on V8's heap, not typed arrays, because of where
// the memory goes afterwards: a typed array is malloc'd, and glibc kept what the scan freed for the
// rest of the process (Node's own 2 MB read of the CLI bundle at start-up raises its threshold for
// handing memory back above any table of ours): a million lines' index stayed ~20 MB of the run's
// RSS long after the scan ended. V8 returns its heap's pages once nothing on them is live.
//
// A slot is one double read as two 32-bit halves: the line, and 30 bits of the id's hash (bit 30
// left clear keeps the double finite; V8 canonicalises NaNs, which would lose the bits). 0 is an
// empty slot (lines start at 1). The ids live in 256 segments, each open addressing with linear
// probing, grown one at a time by a quarter (growing briefly holds 1/256 of the index twice, and a
// segment is never less than 64% full once grown: doubling left a million ids in half-empty tables).
//
// A hash only says "probably the same id". One seen before makes the id a suspect: the earlier
// line is read again from the file (`idOfLine`) and its id compared exactly, so a duplicate is never
// reported falsely nor missed. Suspects are the true duplicates (an error the user must fix) plus
// about two hash collisions in a million distinct ids (38 bits compared: 8 choose the segment, 30
// are stored); only their ids are kept as strings.
import { hashId, type IdHash } from './id-set';

const SEGMENT_BITS = 8;
const SEGMENTS = 1 << SEGMENT_BITS;
/** Linear probing stays short below 4/5 full. */
const MAX_LOAD = 0.8;
const GROWTH = 1.25;
const MAX_LINE = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;

// One double seen as two 32-bit words, in the platform's byte order.
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

function pack(line: number, tag: number): number {
  words[LOW] = line;
  words[HIGH] = tag;
  return scratch[0]!;
}

/** The low 8 bits of the hash: which segment. */
const segmentOf = (hash: number): number => hash & (SEGMENTS - 1);

/** 30 more bits of the hash: 24 above the segment's, 6 from the independent upper lane. It places the id in its segment. */
const tagOf = (hash: number): number => ((hash >>> SEGMENT_BITS) & 0xff_ffff) | ((Math.floor(hash / TWO_32) & 0x3f) << 24);

/** Slots as unboxed doubles from the start (a fraction first, then zero), so no write changes the array's kind. */
const emptyTable = (size: number): number[] => new Array<number>(size).fill(0.5).fill(0);

export interface FirstLinesOptions {
  /**
   * The id on `line` as read again now (from the file), or undefined if that line no longer has
   * one (the file changed). Called only to confirm a suspect.
   */
  idOfLine: (line: number) => string | undefined;
  hash?: IdHash;
  /** Slots each of the 256 segments starts with (default 16). Tests use 1 to force growth. */
  initialSegmentSlots?: number;
}

/** The first line of each id, exact (see above). Each line is added at most once. */
export class FirstLines {
  private readonly tables: number[][] = [];
  private readonly counts = new Uint32Array(SEGMENTS);
  private entries = 0;
  /** Ids known exactly, with their first line: those of re-read lines, and those that shared a hash with one. */
  private readonly exact = new Map<string, number>();
  /** First lines whose id is in `exact` (read again already, or added exactly). */
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
    const initial = options.initialSegmentSlots ?? 16;
    if (!(initial >= 1 && Number.isInteger(initial))) throw new RangeError(`initialSegmentSlots must be a positive integer, got ${initial}`);
    for (let s = 0; s < SEGMENTS; s++) this.tables.push(emptyTable(initial));
    this.idOfLine = options.idOfLine;
    this.hash = options.hash ?? hashId;
  }

  get size(): number {
    return this.entries;
  }

  /** Bytes held in the slots (the strings of suspects not included). */
  get byteLength(): number {
    let bytes = 0;
    for (const table of this.tables) bytes += table.length * 8;
    return bytes;
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
    const table = this.tables[segmentOf(h)]!;
    const tag = tagOf(h);
    const size = table.length;
    for (let i = tag % size; ; i = i + 1 === size ? 0 : i + 1) {
      const slot = table[i]!;
      if (slot === 0) return undefined;
      scratch[0] = slot;
      const line = words[LOW]!;
      if (words[HIGH] === tag && this.sameId(line)) return line;
    }
  }

  /** Records `line` as the first line of `id`, which `lookup` did not find. */
  add(id: string, line: number): void {
    if (!(line >= 1 && line <= MAX_LINE && Number.isInteger(line))) throw new RangeError(`line ${line} is out of range for the id index`);
    const h = this.lastId === id ? this.lastHash : this.hash(id);
    const s = segmentOf(h);
    let table = this.tables[s]!;
    if (this.counts[s]! + 1 > table.length * MAX_LOAD) table = this.grow(s);
    const tag = tagOf(h);
    place(table, tag, pack(line, tag));
    this.counts[s]!++;
    this.entries++;
    // It shares its hash with an id already here: keep it exactly, so the next of either is told
    // apart without reading again.
    if (this.lastId === id && this.lastSuspect) {
      this.exact.set(id, line);
      this.resolved.add(line);
    }
    this.lastId = undefined;
  }

  /** The candidate's hash matches: it is the same id only if its line, read again, says so. */
  private sameId(line: number): boolean {
    this.lastSuspect = true;
    // Its id is in `exact` already, and `query` is not (that was looked up first).
    if (this.resolved.has(line)) return false;
    this.resolved.add(line);
    this.reReads++;
    const id = this.idOfLine(line);
    if (id === undefined) return false;
    this.exact.set(id, line);
    return id === this.query;
  }

  private grow(s: number): number[] {
    const old = this.tables[s]!;
    const table = emptyTable(Math.ceil(old.length * GROWTH));
    for (const slot of old) {
      if (slot === 0) continue;
      scratch[0] = slot;
      place(table, words[HIGH]!, slot);
    }
    this.tables[s] = table;
    return table;
  }
}

/** Puts `slot` in the first empty place from `tag`'s home. */
function place(table: number[], tag: number, slot: number): void {
  const size = table.length;
  let i = tag % size;
  while (table[i] !== 0) i = i + 1 === size ? 0 : i + 1;
  table[i] = slot;
}
