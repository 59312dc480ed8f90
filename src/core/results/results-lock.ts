// One writer per results file. Two runs of one file (two terminals, the CLI beside VS Code, a
// `batch submit` beside a live run) would each send every line, and one's resume would rename a
// fresh file over the path while the other kept appending to the unlinked old one. A lock file
// beside the results (`<results>.lock`, created exclusively) makes the second run stop at once,
// naming the first; a lock left by a process that died (kill -9) on this machine is taken over.
import * as fs from 'node:fs';
import { hostname } from 'node:os';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What holds it: `floorline run`, `VS Code`, `floorline batch submit` … */
  by: string;
  /** A rehearsal (`--simulate`): its results are never real answers. */
  simulated: boolean;
}

export class ResultsLockedError extends Error {
  constructor(
    readonly resultsPath: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      owner
        ? `${resultsPath} is in use by another Floorline run (${owner.by}, pid ${owner.pid} on ${owner.host}, since ${owner.since}). ` +
            'Two runs of one results file would send every line twice. Wait for it to finish or stop it, then run again.'
        : `${resultsPath} is locked by another Floorline run (${lockPathFor(resultsPath)}). Wait for it to finish, then run again.`,
    );
    this.name = 'ResultsLockedError';
  }
}

export function lockPathFor(resultsPath: string): string {
  return `${resultsPath}.lock`;
}

export interface AcquireOptions {
  by: string;
  simulated?: boolean;
  /** Injectable for tests: is a process with this pid alive on this machine? */
  isAlive?: (pid: number) => boolean;
}

export class ResultsLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    readonly resultsPath: string,
    private readonly owner: LockOwner,
  ) {
    // A normal exit (including after Ctrl-C) leaves no lock behind; kill -9 does, and the next
    // run on this machine sees its pid is gone.
    process.once('exit', this.onExit);
  }

  /** Takes the lock or throws `ResultsLockedError` naming the holder. */
  static acquire(resultsPath: string, options: AcquireOptions): ResultsLock {
    const path = lockPathFor(resultsPath);
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), by: options.by, simulated: options.simulated ?? false };
    const isAlive = options.isAlive ?? pidIsAlive;
    // Twice at most: once more after removing a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written whole to a private temp file, then linked into place: link() fails if the lock
      // exists (never follows a planted symlink), and the lock is never seen half-written.
      const temp = `${path}.${process.pid}.${attempt}.tmp`;
      fs.rmSync(temp, { force: true });
      try {
        fs.writeFileSync(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o644 });
        fs.linkSync(temp, path);
        return new ResultsLock(resultsPath, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${path}: cannot create the lock file (${(err as Error).message})`);
      } finally {
        fs.rmSync(temp, { force: true });
      }
      const holder = readOwner(path);
      // Another machine's pid means nothing here: only a lock from this host can be proven stale.
      // An unreadable lock is a process killed between creating and writing it, once it is old.
      const stale = holder === undefined ? ageMs(path) > UNREADABLE_STALE_MS : holder.host === owner.host && !isAlive(holder.pid);
      if (!stale) throw new ResultsLockedError(resultsPath, holder);
      fs.rmSync(path, { force: true });
    }
    throw new ResultsLockedError(resultsPath, readOwner(path));
  }

  /** Who holds the lock of `resultsPath`, if anyone. */
  static holder(resultsPath: string): LockOwner | undefined {
    return readOwner(lockPathFor(resultsPath));
  }

  /** Removes the lock if it is still ours. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const path = lockPathFor(this.resultsPath);
    const current = readOwner(path);
    if (current && current.pid === this.owner.pid && current.since === this.owner.since && current.host === this.owner.host) {
      fs.rmSync(path, { force: true });
    }
  }
}

/** A lock file is written within microseconds of its creation; empty for this long, it never will be. */
const UNREADABLE_STALE_MS = 10_000;

function ageMs(path: string): number {
  try {
    return Date.now() - fs.statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '?'), by: String(parsed.by ?? 'floorline'), simulated: parsed.simulated === true };
  } catch {
    // Missing, or half-written by a process killed between create and write: unknown holder.
    return undefined;
  }
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
