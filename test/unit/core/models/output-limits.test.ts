import assert from 'node:assert/strict';
import { MAX_REQUEST_TIMEOUT_MS, requestTimeoutMs } from '../../../../src/core/client/messages-client';
import { MAX_TOKENS_SANITY_CEILING, maxOutputTokens, maxTokensCeiling } from '../../../../src/core/models/output-limits';
import { DEFAULT_PRICES } from '../../../../src/core/pricing/price-table';

describe('model output limits', () => {
  it('knows the published maximum max_tokens of each 4.x model', () => {
    for (const model of ['claude-opus-4-6', 'claude-opus-4-7', 'claude-opus-4-8', 'claude-sonnet-4-6']) assert.equal(maxOutputTokens(model), 128_000, model);
    for (const model of ['claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5']) assert.equal(maxOutputTokens(model), 64_000, model);
  });

  it('gives the 5.x models, which publish none, 128,000', () => {
    for (const model of ['claude-opus-5', 'claude-opus-5-5', 'claude-sonnet-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-fable-5', 'claude-mythos-5']) {
      assert.equal(maxOutputTokens(model), 128_000, model);
    }
  });

  it('has a limit for every model with a default price', () => {
    // A priced model without a limit would fall back to the 1,000,000 sanity ceiling unnoticed.
    assert.deepEqual(Object.keys(DEFAULT_PRICES).filter((m) => maxOutputTokens(m) === undefined), []);
  });

  it('dated ids follow their alias', () => {
    assert.equal(maxOutputTokens('claude-haiku-4-5-20251001'), 64_000);
    assert.equal(maxOutputTokens('claude-opus-4-6-latest'), 128_000);
  });

  it('unknown models have no limit of their own but the sanity ceiling, including names of object built-ins', () => {
    assert.equal(MAX_TOKENS_SANITY_CEILING, 1_000_000);
    for (const model of ['my-finetune', 'claude-nova-9', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '']) {
      assert.equal(maxOutputTokens(model), undefined, model);
      assert.equal(maxTokensCeiling(model), 1_000_000, model);
    }
    assert.equal(maxTokensCeiling('claude-haiku-4-5'), 64_000);
  });
});

describe('requestTimeoutMs', () => {
  const NODE_MAX_TIMER = 2 ** 31 - 1;

  it('allows 60 s plus 50 ms a token, enough for every published model maximum', () => {
    assert.equal(requestTimeoutMs(1024), 60_000 + 1024 * 50);
    assert.equal(requestTimeoutMs(128_000), 60_000 + 128_000 * 50);
    assert.ok(requestTimeoutMs(128_000) < MAX_REQUEST_TIMEOUT_MS);
  });

  it('never exceeds 2 hours, so a huge max_tokens cannot overflow the timer into a 1 ms timeout', () => {
    assert.equal(MAX_REQUEST_TIMEOUT_MS, 2 * 3600_000);
    for (const maxTokens of [1_000_000, 1e12, Number.MAX_SAFE_INTEGER, Infinity, NaN]) {
      const ms = requestTimeoutMs(maxTokens);
      assert.equal(ms, MAX_REQUEST_TIMEOUT_MS, String(maxTokens));
      assert.ok(ms <= NODE_MAX_TIMER);
    }
  });

  it('never goes under a minute', () => {
    assert.equal(requestTimeoutMs(0), 60_000);
    assert.equal(requestTimeoutMs(-5), 60_000);
  });

  it('arms a timer that really waits (unclamped, 1e12 tokens fired after 1 ms)', async () => {
    let fired = false;
    const timer = setTimeout(() => (fired = true), requestTimeoutMs(1e12));
    await new Promise((resolve) => setTimeout(resolve, 30));
    clearTimeout(timer);
    assert.equal(fired, false);
  });
});
