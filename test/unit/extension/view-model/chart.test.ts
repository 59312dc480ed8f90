import assert from 'node:assert/strict';
import { chartModel, niceCeil } from '../../../../src/extension/view-model/chart';

describe('view-model chart', () => {
  it('tops the throughput axis at 1, 2 or 5 × 10ⁿ', () => {
    assert.deepEqual([0.03, 0.3, 1, 1.2, 3.4, 7, 12, 250].map(niceCeil), [0.05, 0.5, 1, 2, 5, 10, 20, 500]);
    assert.equal(niceCeil(0), 1);
    assert.equal(niceCeil(Number.NaN), 1);
  });

  it('draws a lone sample, and nothing for samples from the future', () => {
    const now = 1_000_000;
    const chart = chartModel([{ at: now - 1_000, requestsPerSecond: 2 }, { at: now + 5_000, requestsPerSecond: 9 }], [], now);
    assert.equal(chart.rps.length, 1);
    assert.equal(chart.rps[0]?.length, 1);
    assert.equal(chart.rpsScaleText, '2 req/s');
    assert.equal(chart.softFloorY, undefined, 'no bucket known');
    assert.equal(chart.shareNowText, '–');
  });
});
