import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockPathFor, ResultsLock, ResultsLockedError } from '../../../../src/core/results/results-lock';

describe('the results lock: one writer per results file', () => {
  let dir: string;
  let results: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-lock-'));
    results = path.join(dir, 'jobs.results.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a second taker is refused with a message naming the holder; after release it may take it', () => {
    const first = ResultsLock.acquire(results, { by: 'floorline run' });
    assert.throws(
      () => ResultsLock.acquire(results, { by: 'VS Code' }),
      (err: unknown) =>
        err instanceof ResultsLockedError &&
        err.message.includes(`${results} is in use by another Floorline run (floorline run, pid ${process.pid} on ${os.hostname()}`) &&
        err.message.includes('would send every line twice'),
    );
    first.release();
    assert.equal(fs.existsSync(lockPathFor(results)), false);
    ResultsLock.acquire(results, { by: 'VS Code' }).release();
  });

  it('records who holds it, and whether it is a rehearsal', () => {
    const lock = ResultsLock.acquire(results, { by: 'floorline run', simulated: true });
    assert.deepEqual({ ...ResultsLock.holder(results), since: undefined }, { pid: process.pid, host: os.hostname(), since: undefined, by: 'floorline run', simulated: true });
    lock.release();
  });

  it('takes over a lock whose process died on this machine (kill -9), not one from another machine', () => {
    fs.writeFileSync(lockPathFor(results), JSON.stringify({ pid: 999_999, host: os.hostname(), since: 'then', by: 'floorline run' }));
    ResultsLock.acquire(results, { by: 'floorline run', isAlive: (pid) => pid !== 999_999 }).release();
    fs.writeFileSync(lockPathFor(results), JSON.stringify({ pid: 999_999, host: 'another-machine', since: 'then', by: 'floorline run' }));
    assert.throws(() => ResultsLock.acquire(results, { by: 'floorline run', isAlive: () => false }), /pid 999999 on another-machine/);
  });

  it('an unreadable lock (killed between create and write) is stale only once old', () => {
    fs.writeFileSync(lockPathFor(results), '');
    assert.throws(() => ResultsLock.acquire(results, { by: 'x' }), ResultsLockedError);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPathFor(results), old, old);
    ResultsLock.acquire(results, { by: 'x' }).release();
  });

  it('release leaves a lock that is no longer ours alone', () => {
    const lock = ResultsLock.acquire(results, { by: 'a' });
    fs.writeFileSync(lockPathFor(results), JSON.stringify({ pid: 1, host: 'elsewhere', since: 'now', by: 'b' }));
    lock.release();
    assert.equal(ResultsLock.holder(results)?.host, 'elsewhere');
  });
});
