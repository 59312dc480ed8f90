import assert from 'node:assert/strict';
import type { RunSnapshot } from '../../../../src/core/dispatch/snapshot';
import { describeHold, type Hold } from '../../../../src/core/dispatch/hold';
import { cooldownText, holdSeverity, holdText, runDetail } from '../../../../src/extension/view-model/holds';

const runIn = (state: RunSnapshot['state'], holdCause?: Hold, detail = holdCause && describeHold(holdCause)) => ({ state, detail, holdCause });

describe('view-model holds', () => {
  it("words a dispatcher's hold, else whether it has anything to send", () => {
    assert.equal(holdText({ hold: 'soft', runs: [] }), 'holding at soft floor');
    assert.equal(holdText({ hold: 'hard', runs: [] }), 'stopped at hard floor');
    assert.equal(holdText({ hold: 'cooldown', runs: [] }), 'cooling down after 429/529 or no connection');
    assert.equal(holdText({ hold: undefined, runs: [{ state: 'paused' } as RunSnapshot] }), 'dispatching');
    assert.equal(holdText({ hold: undefined, runs: [{ state: 'finished' } as RunSnapshot] }), 'idle');
    assert.equal(holdText({ hold: undefined, runs: [] }), 'idle');
  });

  it('is an error at the hard floor, a warning for any other hold', () => {
    assert.deepEqual([holdSeverity('hard'), holdSeverity('soft'), holdSeverity('cooldown'), holdSeverity(undefined)], ['error', 'warning', 'warning', 'ok']);
  });

  it("drops a run's sentence only when it repeats its dispatcher's hold", () => {
    const hold: Hold = { kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 1_000 };
    const pause: Hold = { kind: 'cooldown', cause: 'rate-limited', waitMs: 4_000 };
    assert.equal(runDetail(runIn('holding', hold), hold), '');
    assert.equal(runDetail(runIn('cooling-down', pause), pause), '');
    assert.equal(runDetail(runIn('holding', { ...hold, waitMs: 800 }), hold), '', 'the same hold, its countdown a moment on: compared as holds, not sentences');
    const other: Hold = { kind: 'hard-floor', quota: 'own', dimension: 'inputTokens', waitMs: 1_000 };
    assert.equal(runDetail(runIn('holding', other), hold), describeHold(other));
    assert.equal(runDetail(runIn('holding', undefined, 'something else'), hold), 'something else');
    assert.equal(runDetail(runIn('budget-reached', hold), hold), describeHold(hold), 'not a hold state: its own words');
    assert.equal(runDetail(runIn('running', undefined), hold), '');
  });

  it('says when new requests resume after a 429, only while the pause lasts', () => {
    assert.equal(cooldownText(13_000, 1_000), 'new requests resume in 12s');
    assert.equal(cooldownText(1_000, 1_000), undefined);
    assert.equal(cooldownText(undefined, 1_000), undefined);
  });
});
