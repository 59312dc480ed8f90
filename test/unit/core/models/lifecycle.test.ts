import assert from 'node:assert/strict';
import { formatEndOfLife, modelStatus } from '../../../../src/core/models/lifecycle';

describe('model lifecycle', () => {
  const on = (day: string) => new Date(`${day}T12:00:00Z`);

  it('a deprecated model answers until the end of its last day, then is retired', () => {
    assert.deepEqual(modelStatus('claude-sonnet-4-5', on('2026-11-29')), { kind: 'deprecated', endOfLife: '2026-11-30' });
    assert.deepEqual(modelStatus('claude-sonnet-4-5', on('2026-11-30')), { kind: 'deprecated', endOfLife: '2026-11-30' });
    assert.deepEqual(modelStatus('claude-sonnet-4-5', on('2026-12-01')), { kind: 'retired', endOfLife: '2026-11-30' });
  });

  it('dated ids follow their alias', () => {
    assert.equal(modelStatus('claude-opus-4-5-20251101', on('2026-12-02')).kind, 'deprecated');
    assert.equal(modelStatus('claude-sonnet-4-5-20250929', on('2026-12-02')).kind, 'retired');
  });

  it('current and unknown models are current, including names of object built-ins', () => {
    for (const model of ['claude-haiku-4-5', 'claude-opus-5', 'my-own-model', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.deepEqual(modelStatus(model, on('2026-12-02')), { kind: 'current' }, model);
    }
  });

  it('reads end-of-life days without locale ambiguity', () => {
    assert.equal(formatEndOfLife('2027-01-22'), '22 Jan 2027');
  });
});
