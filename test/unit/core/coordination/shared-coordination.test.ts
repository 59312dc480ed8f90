// The dispatcher with a shared coordinator, under fake timers: it asks before every dispatch,
// honours what the coordinator says to wait for, returns leases as their requests end, and passes
// on what others must know (headers, cool-downs, pause, a stop). Redis itself is exercised in
// test/integration/redis-coordination.test.ts.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { SharedCoordinator, SharedReserveOutcome, SharedReserveRequest, SharedSettlement } from '../../../../src/core/coordination/coordinator';
import { redactUrl } from '../../../../src/core/redact';
import { parseCommand } from '../../../../src/cli/args';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

class ScriptedCoordinator implements SharedCoordinator {
  readonly description = 'scripted';
  readonly reserved: SharedReserveRequest[] = [];
  readonly settled: Array<[string, SharedSettlement]> = [];
  readonly released: Array<[string, boolean, boolean]> = [];
  readonly coolDowns: number[] = [];
  readonly paused: boolean[] = [];
  readonly stops: string[] = [];
  observations = 0;
  /** Answers, in order; when empty, every request is granted. */
  readonly answers: SharedReserveOutcome[] = [];
  private next = 0;

  async reserve(request: SharedReserveRequest): Promise<SharedReserveOutcome> {
    this.reserved.push(request);
    return this.answers.shift() ?? { ok: true, lease: `lease-${++this.next}` };
  }
  async settle(lease: string, actual: SharedSettlement): Promise<void> {
    this.settled.push([lease, actual]);
  }
  async release(lease: string, refused: boolean, keepWorst: boolean): Promise<void> {
    this.released.push([lease, refused, keepWorst]);
  }
  async observe(): Promise<void> {
    this.observations++;
  }
  async coolDown(ms: number): Promise<void> {
    this.coolDowns.push(ms);
  }
  async setPaused(paused: boolean): Promise<void> {
    this.paused.push(paused);
  }
  async stopAll(explanation: string): Promise<void> {
    this.stops.push(explanation);
  }
  async view() {
    return undefined;
  }
  async close(): Promise<void> {}
}

function requests(n: number): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: `prompt ${i}` }] },
  }));
}


describe('Dispatcher with a shared coordinator', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  function setup(n: number, maxInFlight = 4) {
    const api = new FakeApi({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 });
    const coordinator = new ScriptedCoordinator();
    const dispatcher = new Dispatcher({ client: api, coordinator, maxInFlight, random: () => 0.5 });
    const results: ResultLine[] = [];
    const run = dispatcher.addRun({ label: 'job.jsonl', requests: source(requests(n)), total: n, pricing: new Pricing(), onResult: (l) => results.push(l) });
    return { api, coordinator, dispatcher, results, run };
  }

  it('asks before every dispatch and settles each lease with the real usage and cost', async () => {
    const { api, coordinator, results, run } = setup(10);
    await clock.tickAsync(5_000);
    const summary = await run.done;
    assert.equal(summary.succeeded, 10);
    assert.equal(coordinator.reserved.length, 10);
    assert.equal(api.received, 10);
    assert.equal(coordinator.settled.length, 10);
    assert.deepEqual(coordinator.settled.map(([lease]) => lease).sort(), Array.from({ length: 10 }, (_, i) => `lease-${i + 1}`).sort());
    const [, first] = coordinator.settled[0]!;
    assert.equal(first.consumption.outputTokens, 50);
    assert.ok(first.usd! > 0);
    // Every response's headers were passed on for the others, and the first request's once more on
    // admission (it streamed: the limits were not known yet).
    assert.equal(coordinator.observations, 11);
    assert.equal(results.length, 10);
    // The worst case reserved on the shared daily budget is the run's own worst case.
    assert.ok(coordinator.reserved[0]!.worstUsd! >= first.usd!);
  });

  it("waits as long as the shared quota says, and sends nothing meanwhile; the line is not lost", async () => {
    const { api, coordinator, dispatcher, run } = setup(3);
    coordinator.answers.push({ ok: false, kind: 'soft', dimension: 'outputTokens', waitMs: 2_000 });
    await clock.tickAsync(10);
    assert.equal(api.received, 0);
    const snapshot = dispatcher.snapshot();
    assert.equal(snapshot.hold, 'soft');
    assert.match(snapshot.holdDetail ?? '', /shared quota.*output tokens/);
    await clock.tickAsync(1_900);
    assert.equal(api.received, 0);
    assert.equal(coordinator.reserved.length, 1);
    await clock.tickAsync(5_000);
    const summary = await run.done;
    assert.equal(summary.succeeded, 3);
    assert.equal(api.received, 3);
  });

  it('holds while the store is unavailable, then carries on', async () => {
    const { api, coordinator, dispatcher, run } = setup(2);
    for (let i = 0; i < 3; i++) coordinator.answers.push({ ok: false, kind: 'unavailable', waitMs: 1_000, detail: 'Redis at redis://x unavailable' });
    await clock.tickAsync(2_500);
    assert.equal(api.received, 0);
    assert.match(dispatcher.snapshot().holdDetail ?? '', /unavailable: holding new requests/);
    await clock.tickAsync(5_000);
    assert.equal((await run.done).succeeded, 2);
  });

  it('returns a refused lease on 429, shares the cool-down, and stops everyone on an invalid key', async () => {
    const { api, coordinator, run } = setup(3, 1);
    api.script.push({ status: 429, type: 'rate_limit_error', message: 'rate limited', retryAfterSec: 3 });
    await clock.tickAsync(10);
    assert.deepEqual(coordinator.released[0], ['lease-1', true, false]);
    assert.deepEqual(coordinator.coolDowns, [3_000]);
    api.script.push({ status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    await clock.tickAsync(10_000);
    const summary = await run.done;
    assert.equal(summary.state, 'api-stopped');
    assert.equal(coordinator.stops.length, 1);
    assert.match(coordinator.stops[0]!, /rejected the API key/);
  });

  it('on local limits only (the store away, fallback allowed) its own floors still decide', async () => {
    const api = new FakeApi({ otpm: 60_000, itpm: 10_000_000, latencyMs: 100, initial: 'drained', outputTokens: () => 100 });
    const coordinator = new ScriptedCoordinator();
    const degraded = { ok: true as const, lease: undefined };
    for (let i = 0; i < 1_000; i++) coordinator.answers.push(degraded);
    const dispatcher = new Dispatcher({ client: api, coordinator, maxInFlight: 8, random: () => 0.5 });
    dispatcher.addRun({ label: 'job.jsonl', requests: source(requests(30)), total: 30, pricing: new Pricing(), onResult: () => undefined });
    await clock.tickAsync(2_000);
    // One probe learns the limits, as without a coordinator; then nothing goes out before the
    // drained bucket has refilled to its 10% soft floor (6 s at 1,000 tokens/s).
    assert.equal(api.received, 1);
    assert.match(dispatcher.snapshot().holdDetail ?? '', /local limits only/);
    await clock.tickAsync(60_000);
    assert.ok(api.received > 10);
    assert.ok(api.rateLimited <= 1, `${api.rateLimited} answered 429`);
    dispatcher.abort();
    await clock.tickAsync(1_000);
  });

  it('stops when another participant signalled a stop, and shares its own pause', async () => {
    const { coordinator, dispatcher, run } = setup(3);
    dispatcher.pause();
    dispatcher.resume();
    assert.deepEqual(coordinator.paused, [true, false]);
    coordinator.answers.push({ ok: false, kind: 'stopped', explanation: 'The API rejected the API key (401).' });
    await clock.tickAsync(1_000);
    const summary = await run.done;
    assert.equal(summary.state, 'api-stopped');
    assert.equal(summary.unsent, 3);
  });

  it('ends the run at a shared daily budget that can never fit', async () => {
    const { api, coordinator, run } = setup(3);
    coordinator.answers.push({ ok: false, kind: 'budget', label: 'daily spend budget', waitMs: undefined });
    await clock.tickAsync(1_000);
    const summary = await run.done;
    assert.equal(summary.state, 'budget-reached');
    assert.equal(api.received, 0);
  });
});

describe('Redis URL in logs and arguments', () => {
  it('hides the password (and the user name that goes with it), keeps the server', () => {
    assert.equal(redactUrl('redis://:s3cret@10.0.0.5:6380/2'), 'redis://:***@10.0.0.5:6380/2');
    assert.equal(redactUrl('rediss://alice:s3cret@cache.internal:6379'), 'rediss://***:***@cache.internal:6379');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.doesNotMatch(redactUrl('redis//:s3cret@broken'), /s3cret/);
  });

  it('takes --redis, $FLOORLINE_REDIS_URL and --redis-fallback', () => {
    const c = parseCommand(['run', 'a.jsonl', '--redis', 'redis://127.0.0.1:6379', '--redis-fallback', 'local'], {});
    assert.equal(c.kind, 'run');
    if (c.kind === 'run') {
      assert.equal(c.args.redisUrl, 'redis://127.0.0.1:6379');
      assert.equal(c.args.redisFallback, 'local');
    }
    const fromEnv = parseCommand(['run', 'a.jsonl'], { FLOORLINE_REDIS_URL: 'redis://h:1' });
    assert.equal(fromEnv.kind === 'run' && fromEnv.args.redisUrl, 'redis://h:1');
    assert.equal(parseCommand(['run', 'a.jsonl', '--redis', 'http://x'], {}).kind, 'error');
    assert.equal(parseCommand(['run', 'a.jsonl', '--redis-fallback', 'maybe'], {}).kind, 'error');
  });
});
