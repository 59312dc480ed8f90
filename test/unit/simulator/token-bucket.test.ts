import assert from 'node:assert/strict';
import { TokenBucket } from '../../../src/simulator/token-bucket';

/** A hand-driven clock: tests move time explicitly, never sleep. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('simulator TokenBucket', () => {
  it('starts full by default and refills at limit/60 per second up to the limit', () => {
    const c = clock();
    const bucket = new TokenBucket(600, c.now); // 10 per second
    assert.equal(bucket.levelAt(), 600);
    bucket.take(600);
    assert.equal(bucket.levelAt(), 0);
    c.advance(1_000);
    assert.equal(bucket.levelAt(), 10);
    c.advance(2_500);
    assert.equal(bucket.levelAt(), 35);
    c.advance(10 * 60_000);
    assert.equal(bucket.levelAt(), 600, 'capped at the limit');
  });

  it('honours an initial level and reads past and future times without changing state', () => {
    const c = clock();
    const bucket = new TokenBucket(60_000, c.now, 0); // 1000 per second
    assert.equal(bucket.levelAt(c.now() + 3_000), 3_000);
    assert.equal(bucket.levelAt(c.now() - 5_000), 0, 'a time before the last update reads as that update');
    assert.equal(bucket.levelAt(), 0);
  });

  it('may go negative down to -limit, and climbs back at the refill rate', () => {
    const c = clock();
    const bucket = new TokenBucket(60, c.now, 10); // 1 per second
    bucket.take(40);
    assert.equal(bucket.levelAt(), -30);
    bucket.take(1_000);
    assert.equal(bucket.levelAt(), -60, 'floored at -limit');
    c.advance(15_000);
    assert.equal(bucket.levelAt(), -45);
    assert.equal(bucket.msUntilAvailable(0), 45_000);
    assert.equal(bucket.msUntilAvailable(5), 50_000);
  });

  it('computes the time until an amount is available and until full', () => {
    const c = clock();
    const bucket = new TokenBucket(6_000, c.now, 1_000); // 100 per second
    assert.equal(bucket.msUntilAvailable(500), 0);
    assert.equal(bucket.msUntilAvailable(1_000), 0);
    assert.equal(bucket.msUntilAvailable(1_500), 5_000);
    assert.equal(bucket.msUntilFull(), 50_000);
    assert.equal(bucket.msUntilAvailable(6_001), Infinity, 'more than the capacity never fits');
    c.advance(5_000);
    assert.equal(bucket.msUntilAvailable(1_500), 0, 'the predicted time is exact');
  });

  it('setLimit keeps the absolute level, clamped, and changes the refill rate', () => {
    const c = clock();
    const bucket = new TokenBucket(6_000, c.now, 5_000);
    bucket.setLimit(3_000);
    assert.equal(bucket.levelAt(), 3_000);
    bucket.take(3_000);
    c.advance(1_000);
    assert.equal(bucket.levelAt(), 50, '3000/60 per second after the change');
    assert.throws(() => bucket.setLimit(0), RangeError);
  });

  describe('a second tenant draining the same bucket', () => {
    it('lowers the net refill rate while it runs, applied lazily and exactly', () => {
      const c = clock();
      const bucket = new TokenBucket(600, c.now, 0); // refill 10/s
      bucket.setDrainPerSecond(4);
      c.advance(10_000);
      assert.equal(bucket.levelAt(), 60, 'net 6 per second');
      assert.equal(bucket.msUntilAvailable(120), 10_000);
      bucket.setDrainPerSecond(0);
      c.advance(1_000);
      assert.equal(bucket.levelAt(), 70, 'back to the full rate only from the change on');
    });

    it('drains a full bucket to zero but never below it when it outpaces the refill', () => {
      const c = clock();
      const bucket = new TokenBucket(600, c.now); // refill 10/s
      bucket.setDrainPerSecond(30); // net -20/s
      c.advance(10_000);
      assert.equal(bucket.levelAt(), 400);
      c.advance(60_000);
      assert.equal(bucket.levelAt(), 0);
      assert.equal(bucket.msUntilAvailable(1), Infinity);
      assert.equal(bucket.msUntilFull(), Infinity);
    });

    it('takes nothing while the level is negative: the debt is repaid at the plain refill rate', () => {
      const c = clock();
      const bucket = new TokenBucket(600, c.now, 0); // refill 10/s
      bucket.take(100);
      bucket.setDrainPerSecond(5); // net +5/s once positive
      c.advance(5_000);
      assert.equal(bucket.levelAt(), -50);
      assert.equal(bucket.msUntilAvailable(50), 5_000 + 10_000);
      c.advance(15_000);
      assert.equal(bucket.levelAt(), 50);
    });
  });

  it('copy() starts from the limit, level and drain of now, then goes its own way', () => {
    const c = clock();
    const bucket = new TokenBucket(600, c.now, 100); // 10 per second
    bucket.setDrainPerSecond(4);
    c.advance(1_000);
    const twin = bucket.copy();
    assert.equal(twin.limit, 600);
    assert.equal(twin.levelAt(), 106);
    c.advance(1_000);
    assert.equal(twin.levelAt(), 112, 'the tenant drain came along');
    twin.take(50);
    assert.equal(bucket.levelAt(), 112, 'taking from the copy leaves the original alone');
    bucket.setLimit(60);
    assert.equal(twin.limit, 600);
  });

  it('rejects invalid limits and drains', () => {
    const c = clock();
    assert.throws(() => new TokenBucket(-1, c.now), RangeError);
    assert.throws(() => new TokenBucket(Number.NaN, c.now), RangeError);
    assert.throws(() => new TokenBucket(10, c.now).setDrainPerSecond(-1), RangeError);
  });
});
