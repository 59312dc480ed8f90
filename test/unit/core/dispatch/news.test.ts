// What the dispatcher's log tells of the holds and ceilings it sees every pass.
import assert from 'node:assert/strict';
import { CeilingWatch, HoldWatch } from '../../../../src/core/dispatch/news';
import { describeHold, type Hold } from '../../../../src/core/dispatch/hold';

const soft: Hold = { kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 40 };
const hard: Hold = { kind: 'hard-floor', quota: 'own', dimension: 'inputTokens', waitMs: 4_000 };

describe('dispatch: news for the log', () => {
  it('a brief soft hold and its end are debug detail; a long one is told, and so is its end', () => {
    const w = new HoldWatch();
    assert.deepEqual(w.update(soft, 40), { level: 'debug', message: describeHold(soft) });
    assert.equal(w.update({ ...soft, waitMs: 30 }, 30), undefined, 'the same level again is no news');
    assert.equal(w.detail, describeHold({ ...soft, waitMs: 30 }), 'though its sentence is current');
    assert.deepEqual(w.update(undefined, Number.POSITIVE_INFINITY), { level: 'debug', message: 'dispatching again' });
    assert.deepEqual(w.update(soft, 2_000), { level: 'info', message: describeHold(soft) });
    assert.deepEqual(w.update(undefined, 0), { level: 'info', message: 'dispatching again' });
    assert.equal(w.hold, undefined);
  });

  it('a hard stop is a warning; a spent retry budget holds no run back and is not announced', () => {
    const w = new HoldWatch();
    assert.deepEqual(w.update(hard, 10), { level: 'warn', message: describeHold(hard) });
    assert.equal(new HoldWatch().update({ kind: 'retry-budget', waitMs: 5_000 }, 5_000), undefined);
  });

  it('the ceiling is news on a new binding or a move of 10% or more, not on every drift', () => {
    const w = new CeilingWatch({ value: 1, by: 'start', reason: 'not started' });
    assert.equal(w.update({ value: 100, by: "Little's law", reason: 'a' }), true);
    assert.equal(w.update({ value: 105, by: "Little's law", reason: 'b' }), false);
    assert.equal(w.current.value, 105, 'the current decision, told or not');
    assert.equal(w.update({ value: 110, by: "Little's law", reason: 'c' }), true, '10% from what was last told');
    assert.equal(w.update({ value: 110, by: 'cap', reason: 'd' }), true);
  });
});
