import assert from 'node:assert/strict';
import { SpendLedger } from '../../../../src/core/spend/spend-ledger';

describe('SpendLedger', () => {
  it('refuses a reservation that would cross the cap, and settles to the real cost', () => {
    const l = new SpendLedger(1.0);
    const a = l.tryReserve(0.6)!;
    assert.equal(l.tryReserve(0.5), undefined);
    l.settle(a, 0.1);
    assert.ok(l.tryReserve(0.5));
    assert.deepEqual(l.view(), { spentUsd: 0.1, reservedUsd: 0.5, capUsd: 1.0 });
  });
  it('keeps the worst case of a request that may have been billed, and counts earlier spend', () => {
    const l = new SpendLedger(1.0, 0.4);
    const a = l.tryReserve(0.3)!;
    l.keepWorstCase(a);
    assert.equal(l.view().spentUsd, 0.7);
    assert.equal(l.couldEverFit(0.31), false);
  });
});
