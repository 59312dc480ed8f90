import { strict as assert } from 'node:assert';
import { equalJitterMs, exponentialMs, fullJitterMs } from '../../../src/core/backoff';

describe('backoff', () => {
  it('steps from the base, doubling, up to the cap (and the cap holds for any streak)', () => {
    const steps = [1, 2, 3, 4, 5, 6, 200, 5_000].map((n) => exponentialMs(n, { baseMs: 250, capMs: 1_000 }));
    assert.deepEqual(steps, [250, 500, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000]);
    assert.equal(exponentialMs(0, { baseMs: 250, capMs: 1_000 }), 250, 'a step before the first is the first');
  });

  it('full jitter spreads over [0, ms]; equal jitter over [ms/2, ms]', () => {
    assert.equal(fullJitterMs(1_000, () => 0), 0);
    assert.equal(fullJitterMs(1_000, () => 0.999_9), 1_000);
    assert.equal(fullJitterMs(1_000, () => 0.25), 250);
    assert.equal(equalJitterMs(1_000, () => 0), 500);
    assert.equal(equalJitterMs(1_000, () => 0.5), 750);
    assert.equal(equalJitterMs(1_000, () => 0.999_9), 1_000);
  });
});
