import assert from 'node:assert/strict';
import sinon from 'sinon';
import { RetryBudget } from '../../../../src/core/dispatch/retry-budget';
import { systemClock } from '../../../../src/core/types';

describe('RetryBudget', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 0, toFake: ['Date'] })));
  afterEach(() => clock.restore());

  it('allows perMinute retries, then refills continuously', () => {
    const b = new RetryBudget({ perMinute: 6 }, systemClock);
    for (let i = 0; i < 6; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
    assert.equal(b.msUntilAvailable(), 10_000);
    clock.tick(10_000);
    assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
  });

  it('earns a share of the fresh traffic on top, which fades after about a minute', () => {
    const b = new RetryBudget({ perMinute: 6, ratio: 0.25 }, systemClock);
    for (let i = 0; i < 6; i++) b.tryTake();
    for (let i = 0; i < 100; i++) b.recordFresh();
    // 100 fresh requests earned 25 retries, above the floor of 6.
    assert.equal(b.available, 25);
    for (let i = 0; i < 25; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
    // An idle ten minutes later, the capacity is back to the floor: deposits do not pile up forever.
    clock.tick(600_000);
    assert.equal(b.available, 6);
  });
});
