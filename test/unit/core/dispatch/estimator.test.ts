import assert from 'node:assert/strict';
import { ConsumptionEstimator } from '../../../../src/core/dispatch/estimator';
import { PromptBounds } from '../../../../src/core/spend/prompt-bound';

describe('ConsumptionEstimator', () => {
  it('starts from the worst case and learns tokens per byte, cache reads and output share', () => {
    const e = new ConsumptionEstimator();
    assert.deepEqual(e.estimate({ inputBytes: 3000, maxTokens: 1000 }), { inputTokens: 1000, outputTokens: 1000 });
    for (let i = 0; i < 100; i++) {
      e.learn({ inputBytes: 4000, maxTokens: 1000 }, { input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 200 });
    }
    const est = e.estimate({ inputBytes: 4000, maxTokens: 1000 });
    assert.ok(Math.abs(est.inputTokens - 100) <= 2, `cache reads excluded from ITPM: ${est.inputTokens}`);
    assert.ok(est.outputTokens >= 200 && est.outputTokens <= 300, `output ${est.outputTokens}`);
    assert.ok(Math.abs((e.cacheReadShare ?? 0) - 0.9) < 0.01);
  });
  it('learns a shared cached prefix from the first reads, not thirty replies after its one write', () => {
    const e = new ConsumptionEstimator();
    const shape = { inputBytes: 16_300, maxTokens: 100 };
    // The first reply wrote the 4,000-token system prompt to the cache; the next ones read it.
    e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 4_000, cache_read_input_tokens: 0, output_tokens: 50 });
    for (let i = 0; i < 9; i++) e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 4_000, output_tokens: 50 });
    // A mean of the ten (one write in ten: 440), not a moving average still near the write (~1,600).
    const after10 = e.estimate(shape).inputTokens;
    assert.ok(after10 <= 450, `ITPM per request after 10 replies: ${after10}`);
    for (let i = 0; i < 20; i++) e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 4_000, output_tokens: 50 });
    assert.ok(e.estimate(shape).inputTokens <= 100, `after 30: ${e.estimate(shape).inputTokens}`);
    assert.ok(e.average!.inputTokens <= 100);
  });
  it('a shared prefix: each request is a write until a reply shows it cached, a read after — one write never charges the others', () => {
    const bounds = new PromptBounds();
    const system = [{ type: 'text', text: 'Grade strictly. '.repeat(1_000), cache_control: { type: 'ephemeral' } }];
    const line = (q: string, model = 'claude-haiku-4-5') => ({ model, max_tokens: 100, system, messages: [{ role: 'user' as const, content: q }] });
    const shapeOf = (params: ReturnType<typeof line>) => ({ inputBytes: PromptBounds.bytesBound(params), maxTokens: 100, sharedPrefix: bounds.sharedPrefix(params) });
    const a = shapeOf(line('What is 2 + 2?'));
    const b = shapeOf(line('Name a prime.'));
    assert.ok(a.sharedPrefix && a.sharedPrefix === b.sharedPrefix, 'one identity per (model, prefix)');
    assert.notEqual(shapeOf(line('x', 'claude-sonnet-4-6')).sharedPrefix, a.sharedPrefix, 'another model caches apart');
    assert.equal(bounds.sharedPrefix({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'no cache' }] }), undefined);

    const e = new ConsumptionEstimator();
    // Not yet written: each request may write the whole prefix.
    assert.ok(e.estimate(a).inputTokens >= a.sharedPrefix!.bytes / 3, `unwritten: ${e.estimate(a).inputTokens}`);
    e.learn(a, { input_tokens: 10, cache_creation_input_tokens: 4_000, output_tokens: 50 });
    // Written: the next request reads it, whatever the one write cost.
    assert.ok(e.estimate(b).inputTokens <= 20, `after the write: ${e.estimate(b).inputTokens}`);
    assert.ok(e.average!.inputTokens <= 20, `the average leaves the prefix's write out: ${e.average!.inputTokens}`);
    // A request whose own breakpoint writes every time is still charged its writes.
    const own = { inputBytes: 16_000, maxTokens: 100 };
    e.learn(own, { input_tokens: 10, cache_creation_input_tokens: 4_000, output_tokens: 50 });
    assert.ok(e.estimate(own).inputTokens >= 4_000, `per-request writes: ${e.estimate(own).inputTokens}`);
  });
});
