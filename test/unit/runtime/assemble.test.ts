// The composition root: one configuration in, a wired dispatcher out.
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../../src/core/config';
import { assemble, plannedTier, resultsPathFor } from '../../../src/runtime/assemble';

describe('runtime: assemble', () => {
  it('a rehearsal gets its own simulated API, which close() stops', async () => {
    const assembly = await assemble({ config: { ...DEFAULTS, maxInFlight: 3 }, target: { simulate: 'build' } });
    const url = assembly.simulation?.url;
    assert.match(String(url), /^http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(assembly.coordinator, undefined, 'no Redis configured, no coordinator');
    assert.equal((await fetch(`${url}/_mock/stats`)).status, 200);
    await assembly.close();
    await assert.rejects(fetch(`${url}/_mock/stats`), 'the simulation is gone');
  });

  it('a Redis that cannot be reached fails the assembly (fallback hold) with a message, not a hang', async () => {
    const config = { ...DEFAULTS, redisUrl: 'redis://127.0.0.1:1', redisFallback: 'hold' as const };
    await assert.rejects(assemble({ config, target: { simulate: 'start' } }));
  });

  it('names a rehearsal\'s results apart, and plans with the simulated tier before the configured one', () => {
    assert.equal(resultsPathFor('/data/jobs.jsonl', { apiKey: 'k' }), '/data/jobs.results.jsonl');
    assert.equal(resultsPathFor('/data/jobs.jsonl', { simulate: 'start' }), '/data/jobs.simulated.results.jsonl');
    assert.equal(plannedTier({ ...DEFAULTS, tier: 'scale' }, { simulate: 'start' }), 'start');
    assert.equal(plannedTier({ ...DEFAULTS, tier: 'scale' }, { apiKey: 'k' }), 'scale');
    assert.equal(plannedTier(DEFAULTS, { apiKey: 'k' }), undefined);
  });
});
