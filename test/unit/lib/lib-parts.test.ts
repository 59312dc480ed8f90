// The library's parts that need no server: its config check, the result channel's backpressure,
// the SDK error for each envelope, and the lazy, validating read of a caller's requests.
import assert from 'node:assert/strict';
import { APIConnectionTimeoutError, APIError, BadRequestError, RateLimitError, OverloadedError } from '@anthropic-ai/sdk';
import { Floorline, ConfigError } from '../../../src/lib';
import { ResultChannel } from '../../../src/lib/result-channel';
import { sdkErrorOf } from '../../../src/lib/results';
import { validatedRequests } from '../../../src/lib/requests';
import type { DispatchResult, MessageCreateParamsNonStreaming, RequestItem } from '../../../src/lib/types';

describe('lib: Floorline options', () => {
  it('takes the CLI config, with its defaults', () => {
    const fl = new Floorline({ apiKey: 'k', maxInFlight: '8', softFloor: '20%' });
    assert.equal(fl.config.maxInFlight, 8);
    assert.deepEqual(fl.config.softFloor, { percent: 20 });
    assert.equal(fl.config.maxAttempts, 5, 'the default');
  });

  it('refuses an invalid option, naming it', () => {
    assert.throws(() => new Floorline({ apiKey: 'k', maxAttempts: 0 }), (err: unknown) => err instanceof ConfigError && err.option === 'maxAttempts' && /maxAttempts/.test(err.message));
    assert.throws(() => new Floorline({ apiKey: 'k', baseURL: 'ftp://x' }), /'baseUrl'.*http/);
    assert.throws(() => new Floorline({ apiKey: 'k', maxInFlite: 3 } as never), /'maxInFlite': is not an option/);
    assert.throws(() => new Floorline({ simulate: 'toString' as never }), /'simulate'/);
  });

  it('needs a key unless it rehearses, and takes ANTHROPIC_API_KEY as the SDK does', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    try {
      delete process.env.ANTHROPIC_API_KEY;
      assert.throws(() => new Floorline(), /'apiKey': no API key/);
      assert.doesNotThrow(() => new Floorline({ simulate: 'build' }));
      process.env.ANTHROPIC_API_KEY = 'from-env';
      assert.doesNotThrow(() => new Floorline());
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe('lib: ResultChannel', () => {
  it('tells the producer to hold past the high-water mark and to go on at the low one', async () => {
    const calls: string[] = [];
    const channel = new ResultChannel<number>({ highWater: 4, lowWater: 1, onFull: () => calls.push('full'), onRoom: () => calls.push('room') });
    for (let i = 0; i < 6; i++) channel.push(i);
    assert.deepEqual(calls, ['full'], 'told once');
    const taken: Array<number | undefined> = [];
    for (let i = 0; i < 4; i++) taken.push(await channel.take());
    assert.deepEqual(taken, [0, 1, 2, 3]);
    assert.deepEqual(calls, ['full']);
    assert.equal(await channel.take(), 4);
    assert.deepEqual(calls, ['full', 'room'], 'at the low-water mark');
    channel.close();
    assert.equal(await channel.take(), 5, 'what was buffered is still handed over');
    assert.equal(await channel.take(), undefined);
  });

  it('wakes a waiting consumer with the next result, or with the end', async () => {
    const channel = new ResultChannel<string>({ highWater: 10, lowWater: 1, onFull: () => {}, onRoom: () => {} });
    const first = channel.take();
    channel.push('a');
    assert.equal(await first, 'a');
    const second = channel.take();
    channel.close();
    assert.equal(await second, undefined);
  });
});

describe('lib: sdkErrorOf', () => {
  const envelope = (type: string) => ({ type: 'error' as const, error: { type, message: `${type} happened` }, request_id: 'req_1' });
  it('gives the SDK class of the error type', () => {
    const bad = sdkErrorOf(envelope('invalid_request_error'));
    assert.ok(bad instanceof BadRequestError);
    assert.equal(bad.status, 400);
    assert.equal(bad.requestID, 'req_1');
    assert.ok(sdkErrorOf(envelope('rate_limit_error')) instanceof RateLimitError);
    assert.ok(sdkErrorOf(envelope('overloaded_error')) instanceof OverloadedError);
    assert.ok(sdkErrorOf(envelope('timeout_error')) instanceof APIConnectionTimeoutError);
    const own = sdkErrorOf(envelope('request_too_large_for_limit'));
    assert.ok(own instanceof APIError && own.status === undefined);
    assert.match(own.message, /request_too_large_for_limit happened/);
  });
});

describe('lib: validatedRequests', () => {
  const item = (n: number): MessageCreateParamsNonStreaming => ({ model: 'claude-haiku-4-5', max_tokens: n, messages: [{ role: 'user', content: 'hi' }] });

  it('pulls one item per request it yields, names unnamed ones item-<n>, and never writes into the caller\'s object', async () => {
    let pulled = 0;
    function* source(): Generator<RequestItem> {
      for (let i = 1; ; i++) {
        pulled++;
        yield i === 2 ? { custom_id: 'mine', params: item(i) } : item(i);
      }
    }
    const invalid: DispatchResult[] = [];
    const requests = validatedRequests(source(), { maxTokens: 7 }, (r) => invalid.push(r));
    assert.equal(pulled, 0, 'nothing read before asked');
    const first = await requests.next();
    const second = await requests.next();
    assert.equal(pulled, 2);
    assert.equal(first.value?.customId, 'item-1');
    assert.equal(second.value?.customId, 'mine');
    await requests.return(undefined);
    assert.equal(invalid.length, 0);
  });

  it('applies the config defaults to a copy, and hands a bad item over as an errored result', async () => {
    const caller = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] } as unknown as RequestItem;
    const invalid: DispatchResult[] = [];
    const out = [];
    for await (const r of validatedRequests([caller, { model: 'claude-haiku-4-5', max_tokens: 5, messages: 'hi' } as unknown as RequestItem], { maxTokens: 7 }, (r) => invalid.push(r))) out.push(r);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.params.max_tokens, 7);
    assert.equal((caller as { max_tokens?: number }).max_tokens, undefined);
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]!.customId, 'item-2');
    assert.match(invalid[0]!.error!.error.message, /^item 2: messages must be an array/);
    assert.equal(invalid[0]!.model, 'claude-haiku-4-5');
  });

  it('refuses what cannot be serialised (a cycle) without throwing', async () => {
    const cyclic: Record<string, unknown> = { model: 'm', max_tokens: 5 };
    cyclic.self = cyclic;
    const invalid: DispatchResult[] = [];
    for await (const _ of validatedRequests([cyclic as unknown as RequestItem], {}, (r) => invalid.push(r))) assert.fail('nothing valid');
    assert.match(invalid[0]!.error!.error.message, /cannot be serialised/);
  });
});
