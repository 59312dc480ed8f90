// Appends result lines to the results file, one whole line per synchronous write.
//
// Why synchronous: once `append` returns, the line is in the kernel's page cache, so killing the
// process (even kill -9) cannot lose it. One write per line means a line is never interleaved
// with another; the only way to tear one is to die *inside* that write, which leaves a tail with
// no newline that `prepareResume` repairs. Surviving an OS crash needs fdatasync, which is slow,
// so it is throttled to about once a second (and done on close) rather than per line.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { ResultLine } from '../types';

const openFd = promisify(fs.open);
const fstatFd = promisify(fs.fstat);
const readFd = promisify(fs.read);
const closeFd = promisify(fs.close);

export interface ResultsWriterOptions {
  /** Clock for the fdatasync throttle (ms). Default `Date.now`. */
  now?: () => number;
  /** Minimum time between two fdatasyncs done by `append` (ms). Default 1000. */
  syncIntervalMs?: number;
  /** The durability call, injectable for tests. Default `fs.fdatasyncSync`. */
  fdatasync?: (fd: number) => void;
}

export class ResultsWriter {
  private fd: number | null;
  private readonly now: () => number;
  private readonly syncIntervalMs: number;
  private readonly fdatasync: (fd: number) => void;
  /** -Infinity: the first line after a quiet spell is made durable at once. */
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  /** Bytes written since the last fdatasync. */
  private dirty = false;
  /** Set when a write failed part-way: a torn line may now be on disk and must stay the last one. */
  private failure: Error | null = null;
  private written = 0;

  private constructor(readonly path: string, fd: number, options: ResultsWriterOptions) {
    this.fd = fd;
    this.now = options.now ?? (() => Date.now());
    this.syncIntervalMs = options.syncIntervalMs ?? 1000;
    // Looked up at call time so a sinon stub on `fs` is honoured too.
    this.fdatasync = options.fdatasync ?? ((d) => fs.fdatasyncSync(d));
  }

  /**
   * Opens `path` for appending, creating it and its directory. Refuses a file whose last line has
   * no newline (a torn tail): appending would glue the next line onto it and corrupt the middle of
   * the file. `prepareResume` repairs that, so call it first.
   */
  static async open(path: string, options: ResultsWriterOptions = {}): Promise<ResultsWriter> {
    await fs.promises.mkdir(dirname(path), { recursive: true });
    // As 'a+' (O_APPEND for the writes, readable so the last byte can be checked), and never
    // through a symbolic link: appending would change a file the user never named.
    const { O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
    const fd = await openFd(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0o644).catch((err: NodeJS.ErrnoException) => {
      throw new Error(err.code === 'ELOOP' ? `${path} is a symbolic link; Floorline does not write through links. Give the real path instead.` : `${path}: cannot open the results file (${err.message})`);
    });
    try {
      const { size } = await fstatFd(fd);
      if (size > 0) {
        const last = Buffer.alloc(1);
        await readFd(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          throw new Error(
            `${path}: the last line is incomplete (no trailing newline), probably from a crash. ` +
              'Run prepareResume on it before appending (it repairs the tail).',
          );
        }
      }
    } catch (err) {
      await closeFd(fd);
      throw err;
    }
    return new ResultsWriter(path, fd, options);
  }

  /** Lines appended by this writer. */
  get linesWritten(): number {
    return this.written;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /**
   * Writes `line` as one JSON line. When this returns the line has reached the OS; it is made
   * durable against an OS crash within about `syncIntervalMs`, or at `sync()`/`close()`.
   */
  append(line: ResultLine): void {
    const fd = this.requireOpen();
    // Serialise before touching the file so an unserialisable value (BigInt, cycle) writes nothing.
    // JSON.stringify escapes newlines inside strings, so this is exactly one line.
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    try {
      let offset = 0;
      while (offset < bytes.length) {
        offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
      }
    } catch (err) {
      // Part of the line may be on disk. Writing more after it would bury that torn fragment in the
      // middle of the file, which resume (rightly) refuses to repair; so stop here.
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    this.written++;
    this.dirty = true;
    const t = this.now();
    if (t - this.lastSyncAt >= this.syncIntervalMs) {
      this.syncNow(fd, t);
    }
  }

  /** fdatasync now if anything was written since the last one (e.g. when the run goes idle). */
  sync(): void {
    const fd = this.requireOpen();
    if (this.dirty) this.syncNow(fd, this.now());
  }

  /** Makes everything durable and closes the file. Safe to call again; synchronous so it also works in an exit handler. */
  close(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    try {
      // Even after a failed write: the whole lines before it deserve to be durable.
      if (this.dirty) this.syncNow(fd, this.now());
    } finally {
      fs.closeSync(fd);
    }
  }

  private syncNow(fd: number, t: number): void {
    this.fdatasync(fd);
    this.lastSyncAt = t;
    this.dirty = false;
  }

  private requireOpen(): number {
    if (this.failure) {
      throw new Error(`${this.path}: an earlier write failed (${this.failure.message}); this writer accepts no more lines.`);
    }
    if (this.fd === null) throw new Error(`${this.path}: the results writer is closed.`);
    return this.fd;
  }
}
