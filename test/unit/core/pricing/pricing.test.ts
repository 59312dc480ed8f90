import assert from 'node:assert/strict';
import { Pricing } from '../../../../src/core/pricing/pricing';

describe('Pricing', () => {
  const p = new Pricing();
  it('prices usage including cache writes by TTL and cache reads', () => {
    const cost = p.costOf('claude-sonnet-4-5', {
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 2_000_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000_000, ephemeral_1h_input_tokens: 1_000_000 },
    });
    assert.ok(Math.abs(cost! - (3 + 15 + 3.75 + 6 + 0.3)) < 1e-9);
  });
  it('resolves dated ids to their alias and halves batch prices', () => {
    assert.ok(p.isKnown('claude-haiku-4-5-20251001'));
    const batch = new Pricing({ batch: true });
    assert.equal(batch.costOf('claude-haiku-4-5', { input_tokens: 1_000_000, output_tokens: 0 }), 0.5);
  });
  it('rounds a cost to 1e-10 USD, so results lines carry no float noise, and keeps the finest price', () => {
    // 133 × $1/M + 40 × $5/M summed in binary floating point is 0.00033299999999999996.
    const cost = p.costOf('claude-haiku-4-5', { input_tokens: 133, output_tokens: 40 });
    assert.equal(cost, 0.000333);
    assert.equal(JSON.stringify({ cost_usd: cost }), '{"cost_usd":0.000333}');
    assert.equal(p.costOf('claude-haiku-4-5', { input_tokens: 1000, output_tokens: 40 }), 0.0012);
    // The cheapest rate there is — a batch-priced cache read, $0.005/M — survives the rounding whole.
    const batch = new Pricing({ batch: true });
    assert.equal(batch.costOf('claude-haiku-5-5', { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 1 }), 5e-9);
    assert.equal(batch.costOf('claude-haiku-5-5', { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 3 }), 1.5e-8);
  });
  it('does not price an unknown model at $0', () => {
    assert.equal(p.costOf('claude-unknown-9', { input_tokens: 10, output_tokens: 10 }), null);
    assert.equal(p.worstCaseCost('claude-unknown-9', 10, 10, undefined), null);
  });
  it('takes user overrides', () => {
    const custom = new Pricing({ overrides: { 'my-model': { input: 1, output: 2, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 0.1 } } });
    assert.equal(custom.costOf('my-model', { input_tokens: 1_000_000, output_tokens: 1_000_000 }), 3);
  });
  it('reserves the cache-write rate of the TTL the request asks for', () => {
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 0, '1h'), 2);
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 0, '5m'), 1.25);
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 1_000_000, undefined), 6);
  });
});
