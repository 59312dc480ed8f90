import assert from 'node:assert/strict';
import { formatCount } from '../../../../src/core/format';
import { capMeter, gaugesOf, inFlightMeter } from '../../../../src/extension/view-model/meters';

describe('view-model meters', () => {
  it('keeps in flight within its ARIA range when a lowered ceiling leaves more in flight', () => {
    const m = inFlightMeter({ inFlight: 20, ceiling: 16, ceilingReason: 'fixed: maxInFlight 16' });
    assert.equal(m.text, '20 / 16');
    assert.equal(m.percent, 100);
    assert.deepEqual({ now: m.aria.now, max: m.aria.max }, { now: 20, max: 20 });
    assert.equal(m.aria.text, '20 / 16 requests in flight');
  });

  it('draws a cap meter with what is reserved in flight after what is spent', () => {
    const m = capMeter('t', 'Tokens today', 600, 1_000, formatCount, 300);
    assert.equal(m.percent, 60);
    assert.equal(m.extraPercent, 30);
    assert.equal(m.severity, 'warning', '900 of 1,000 counting the reservation');
    assert.equal(m.caption, '60% of cap · 300 reserved in flight');
    assert.equal(m.aria.text, '600 / 1k tokens today, 60% of cap');
    assert.equal(capMeter('t', 'Tokens today', 600, 1_000, formatCount).extraPercent, undefined);
  });

  it('has no gauge for an unknown bucket', () => {
    assert.deepEqual(gaugesOf({ dimensions: {} }, 0), []);
  });
});
