// One way to replace a file whole: a crash leaves the old content or the new, never half of each,
// and never writes through a link someone planted where our temp file goes.
import * as fs from 'node:fs';
import { dirname } from 'node:path';

/** The temp file a replacement goes through. Fixed, so a crash's leftover is found and removed next time. */
function tempPathFor(path: string): string {
  return `${path}.tmp`;
}

/**
 * Creates `path`'s temp file for writing. The leftover of a crash is removed first (a symlink is
 * removed as a link, never followed), then the file is created exclusively (`wx`: O_CREAT|O_EXCL
 * fails rather than follow a link created in between).
 */
function openTempSync(path: string, mode = 0o644): { temp: string; fd: number } {
  const temp = tempPathFor(path);
  fs.rmSync(temp, { force: true });
  return { temp, fd: fs.openSync(temp, 'wx', mode) };
}

/** Writes `data` to `path` atomically: temp file beside it, fdatasync, rename over, sync the directory. */
export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  refuseSymlinkSync(path);
  const { temp, fd } = openTempSync(path);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fdatasyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, path);
  syncDirectorySync(dirname(path));
}

/**
 * Replaces `path` whole with what `fill` writes to a temp file beside it (streamed: a rewrite of a
 * million-line results file never holds it in memory): the temp file is synced, renamed over
 * `path` — the commit point: before it the old file is in place, after it the new one — and the
 * directory synced. On any error the temp file is removed and `path` is untouched. `temp` names a
 * temp file of the caller's own (a crash's leftover is looked for there); `mode` defaults to
 * `path`'s own.
 */
export async function replaceFileAtomically(path: string, fill: (out: fs.promises.FileHandle) => Promise<void>, options: { temp?: string; mode?: number } = {}): Promise<void> {
  refuseSymlinkSync(path);
  const temp = options.temp ?? tempPathFor(path);
  const mode = options.mode ?? (await fs.promises.stat(path)).mode & 0o777;
  await fs.promises.rm(temp, { force: true });
  // 'wx': a link planted between the removal and here is not followed.
  const out = await fs.promises.open(temp, 'wx', mode);
  try {
    await fill(out);
    await out.datasync();
    await out.close();
    await fs.promises.rename(temp, path);
  } catch (err) {
    await out.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  syncDirectorySync(dirname(path));
}

/**
 * A file Floorline writes must not be a symbolic link: renaming over it or appending through it
 * would change a file the user never named (the link's target).
 */
export function refuseSymlinkSync(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (stat.isSymbolicLink()) {
    throw new Error(`${path} is a symbolic link; Floorline does not write through links (it could change a file you did not name). Give the real path instead.`);
  }
}

/** Makes a rename durable. Not possible on every platform (Windows), hence best effort. */
function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // The rename is still atomic; only its durability across an OS crash is not guaranteed here.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
