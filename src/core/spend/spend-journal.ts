// The spend cap's memory across crashes. A resume used to count only the `cost_usd` already in the
// results file, so requests in flight at a kill -9 or an abort — billed by the API, never answered —
// were forgotten and the next run could spend the cap again (31% over in a reproduction).
//
// Every request's worst case is appended here *before* it goes out, and its real cost after it
// returns. A resume counts every settled cost, and every reservation without a settlement at its
// worst case. Lines are appended with one synchronous write each (in the kernel once `write`
// returns: kill -9 cannot lose them); with a cap, `flush()` makes them durable against an OS crash
// too, and the dispatcher calls it once per batch of sends, before the requests leave.
//
// Format: one JSON object per line — {"carried": usd} (a compacted past), {"r": id, "w": usd}
// (reserved), {"s": id, "c": usd} (settled). A torn last line (a crash mid-write) is ignored: its
// request had not been sent yet, since sends wait for the write.
import * as fs from 'node:fs';
import { writeFileAtomicSync, refuseSymlinkSync } from '../files/atomic-write';
import { readLineBatches, type LineBatch } from '../input/line-reader';
import { assertAmount, BooksError } from './spend-ledger';

export function spendJournalPath(resultsPath: string): string {
  return `${resultsPath}.journal`;
}

export interface JournalReading {
  /** Settled costs plus the worst case of every unsettled reservation (USD). */
  carriedUsd: number;
  /** Reservations that never settled: requests in flight when a run died. */
  unsettled: number;
}

/**
 * Reads a journal; a missing one carries nothing. Streamed: a finished run of a million requests
 * leaves two million lines, which as one string split into lines took 165 MB.
 */
export async function readSpendJournal(path: string): Promise<JournalReading> {
  const tally = new JournalTally(path);
  try {
    for await (const batch of readLineBatches(path)) tally.add(batch);
  } catch (err) {
    // The journal's own verdicts go out as they are; only a failure to read it is wrapped.
    if (err instanceof ForeignLineError || err instanceof BooksError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { carriedUsd: 0, unsettled: 0 };
    throw new Error(`${path}: cannot read the spend journal (${(err as Error).message})`);
  }
  return tally.result();
}

class ForeignLineError extends Error {
  constructor(path: string, line: number) {
    super(`${path}:${line}: not a Floorline spend journal line. Move the file away only if you know the spend it recorded.`);
    this.name = 'ForeignLineError';
  }
}

type Entry = { carried?: unknown; r?: unknown; w?: unknown; s?: unknown; c?: unknown } | null;

/** The line's value, or undefined when it is not JSON (no JSON text parses to undefined). */
function parseJson(text: string): Entry | undefined {
  try {
    return JSON.parse(text) as Entry;
  } catch {
    return undefined;
  }
}

/** The sums over a journal's lines, fed a batch at a time. */
class JournalTally {
  private carried = 0;
  /** Reservations not (yet) settled: id → worst case. As many as were in flight when a run ended. */
  private readonly open = new Map<number, number>();
  /** A line that is not JSON: only the file's last line may be (torn by a crash), so any line after it makes it foreign. */
  private unreadable: number | undefined;
  /** The last line read has no line break. */
  private unterminated = false;

  constructor(private readonly path: string) {}

  add(batch: LineBatch): void {
    for (const { line, text, encodingError } of batch.lines) {
      if (this.unreadable !== undefined) throw new ForeignLineError(this.path, this.unreadable);
      if (encodingError === undefined && text.trim() === '') continue;
      const entry = encodingError === undefined ? parseJson(text) : undefined;
      if (entry === undefined) {
        this.unreadable = line;
        continue;
      }
      if (entry === null || typeof entry !== 'object') continue;
      if (typeof entry.carried === 'number') this.carried += assertAmount('journal carried amount', entry.carried);
      else if (typeof entry.r === 'number' && typeof entry.w === 'number') this.open.set(entry.r, assertAmount('journal reservation', entry.w));
      else if (typeof entry.s === 'number' && typeof entry.c === 'number') {
        this.open.delete(entry.s);
        this.carried += assertAmount('journal settlement', entry.c);
      }
    }
    this.unterminated = batch.unterminated === true;
  }

  result(): JournalReading {
    // Torn only if nothing follows it, not even a line break: a crash stops mid-write.
    if (this.unreadable !== undefined && !this.unterminated) throw new ForeignLineError(this.path, this.unreadable);
    let carried = this.carried;
    for (const worst of this.open.values()) carried += worst;
    return { carriedUsd: carried, unsettled: this.open.size };
  }
}

export class SpendJournal {
  private nextId = 1;
  private dirty = false;
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    /** fdatasync on `flush()`: worth its ~0.5 ms per batch of sends only when a cap is at stake. */
    private readonly durable: boolean,
  ) {
    this.fd = fd;
  }

  /**
   * Opens the journal for a run, compacting what earlier runs left into one `carried` line
   * (atomically): `carriedUsd`, what they spent as `readSpendJournal` (and the results file) told.
   */
  static open(path: string, options: { durable: boolean; carriedUsd: number }): SpendJournal {
    refuseSymlinkSync(path);
    writeFileAtomicSync(path, `${JSON.stringify({ carried: assertAmount('money already spent', options.carriedUsd) })}\n`);
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW);
    return new SpendJournal(path, fd, options.durable);
  }

  /** Records a worst case about to be sent; returns its id for the settlement. */
  reserve(worstUsd: number): number {
    const id = this.nextId++;
    this.append(`{"r":${id},"w":${worstUsd}}\n`);
    return id;
  }

  settle(id: number, usd: number): void {
    this.append(`{"s":${id},"c":${usd}}\n`);
  }

  /** Makes every line so far durable (before the requests they reserve go out). */
  flush(): void {
    if (!this.dirty || this.fd === null) return;
    this.dirty = false;
    if (this.durable) fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
  }

  private append(line: string): void {
    // After close (a late settlement of an aborted request): nothing to record it in; the journal
    // already holds its reservation, which a resume counts at its worst case.
    if (this.fd === null) return;
    const bytes = Buffer.from(line);
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset, bytes.length - offset);
    this.dirty = true;
  }
}
