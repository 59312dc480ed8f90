// When no connection to the API can be made at all: new requests pause (escalating, one attempt per
// pause), no line is marked errored or charged, a blip is waited out, and a long outage stops the
// runs with every unsent line kept for a resume. Found on a million-line file against a dead
// endpoint: every line was tried once a millisecond and piled up as a retry, ~1,300 attempts a
// second and a heap growing without end.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { APIConnectionError } from '@anthropic-ai/sdk';
import type { MessagesClient, SendOptions } from '../../../../src/core/client/messages-client';
import { Cooldown, UNREACHABLE_GIVE_UP_MS } from '../../../../src/core/dispatch/cooldown';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import { describeHold } from '../../../../src/core/dispatch/hold';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, MessageParams, ResultLine } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

const refused = () =>
  new APIConnectionError({ cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }) }) });

function makeRequests(n: number): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user' as const, content: `prompt number ${i}` }] },
  }));
}

/** The fake API behind a network that is down while `down()` says so: each attempt then fails at once, never sent. */
class Outage implements MessagesClient {
  attempts = 0;
  refusals = 0;
  readonly refusedAt: number[] = [];
  constructor(private readonly api: FakeApi, public down: () => boolean) {}
  create(params: MessageParams, options: SendOptions) {
    this.attempts++;
    if (this.down()) {
      this.refusals++;
      this.refusedAt.push(Date.now());
      return Promise.reject(refused());
    }
    return this.api.create(params, options);
  }
}

describe('cool-down: no connection to the API', () => {
  it('pauses 1 s, doubling per failed connection in a row up to 30 s; any answer ends the streak', () => {
    const c = new Cooldown<string>(() => 1);
    const pauses: number[] = [];
    let t = 0;
    for (let i = 0; i < 7; i++) {
      const pause = c.pushback('unreachable', t, t - 1, undefined);
      pauses.push(pause!.pauseMs);
      t += pause!.pauseMs + 10;
    }
    assert.deepEqual(pauses, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.match(describeHold(c.hold(t - 100)!.hold), /^no connection to the API paused all new requests/);
    c.reached(t);
    assert.equal(c.pushback('unreachable', t, t - 1, undefined)?.pauseMs, 1_000);
  });

  it('a failure or a reply for a request already out when the last failure came back is old news', () => {
    const c = new Cooldown<string>(() => 1);
    assert.ok(c.pushback('unreachable', 1_000, 990, undefined));
    assert.equal(c.pushback('unreachable', 1_001, 995, undefined), undefined);
    assert.equal(c.pausedUntil(1_500), 2_000);
    // A reply on a connection made before says nothing about new ones: the next pause still doubles.
    c.succeeded('sent before', 900);
    assert.equal(c.pushback('unreachable', 2_100, 2_000, undefined)?.pauseMs, 2_000);
  });

  it('gives up once the next try would come 15 s after the first failure when the API never answered, 2 minutes when it had', () => {
    const fresh = new Cooldown<string>(() => 1);
    fresh.pushback('unreachable', 0, 0, undefined);
    assert.equal(fresh.unreachableTooLong(0), undefined, 'the next try is in 1 s');
    fresh.pushback('unreachable', 10_000, 10_000, undefined);
    assert.equal(fresh.unreachableTooLong(10_000), undefined, 'the next try, at 12 s, is still within 15 s');
    fresh.pushback('unreachable', 13_000, 13_000, undefined);
    assert.equal(fresh.unreachableTooLong(13_000), 13_000, 'the next one, at 17 s, would not be: stop now');

    const known = new Cooldown<string>(() => 1);
    known.succeeded('x', 0);
    known.pushback('unreachable', 1_000, 1_000, undefined);
    assert.equal(known.unreachableTooLong(1_000 + UNREACHABLE_GIVE_UP_MS.neverReached), undefined, 'a blip mid-run is waited out longer');
    assert.ok(known.unreachableTooLong(1_000 + UNREACHABLE_GIVE_UP_MS.reachedBefore) !== undefined);
    // A 429 is an answer: the streak is over.
    known.pushback('rate-limited', 200_000, 200_000, 1_000);
    assert.equal(known.unreachableTooLong(500_000), undefined);
  });
});

describe('the dispatcher when the API cannot be reached', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  function start(client: MessagesClient, requests: InputRequest[]) {
    const dispatcher = new Dispatcher({ client, random: () => 1 });
    const logs: string[] = [];
    dispatcher.on('log', (entry) => logs.push(`${entry.level}: ${entry.message}`));
    const results: ResultLine[] = [];
    const run = dispatcher.addRun({ label: 'big.jsonl', requests: source(requests), total: requests.length, pricing: new Pricing(), onResult: (line) => results.push(line) });
    return { dispatcher, run, logs, results };
  }

  it('a dead endpoint and 100,000 lines: a handful of attempts, then a stop with every line unsent and the reason said', async () => {
    const client = new Outage(new FakeApi({ itpm: 10_000_000, otpm: 10_000_000 }), () => true);
    const { dispatcher, run, logs, results } = start(client, makeRequests(100_000));
    await clock.tickAsync(60_000);
    const summary = await run.done;
    assert.equal(summary.state, 'api-stopped');
    assert.equal(summary.unsent, 100_000);
    assert.equal(summary.errored + summary.succeeded, 0);
    assert.equal(results.length, 0);
    assert.equal(summary.spentUsd, 0);
    // Pauses of 1, 2, 4 s; the next (8 s) would end past 15 s: five attempts, not one a millisecond.
    assert.ok(client.attempts >= 3 && client.attempts <= 6, `${client.attempts} attempts`);
    assert.match(summary.detail ?? '', /^The API could not be reached for \d+ s: no connection could be made\. Nothing was billed/);
    assert.ok(logs.some((l) => /^error: The API could not be reached .*\(last error: connect ECONNREFUSED 127\.0\.0\.1:8080/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => l.startsWith('warn: no connection to the API: all new requests wait 1.0 s (connect ECONNREFUSED')), logs.join('\n'));

    // Not for ever: the next run on this dispatcher tries again (say the network is back).
    client.down = () => false;
    const again = dispatcher.addRun({ label: 'small.jsonl', requests: source(makeRequests(3)), total: 3, pricing: new Pricing(), onResult: () => {} });
    await clock.tickAsync(30_000);
    assert.equal((await again.done).state, 'finished');
  });

  it('a 20-second blip mid-run is waited out: no line errored, each line sent once to the API, one attempt per pause while down', async () => {
    let downFrom = Number.POSITIVE_INFINITY;
    const api = new FakeApi({ rpm: 1_200, initial: 0.5, itpm: 10_000_000, otpm: 10_000_000, latencyMs: 500 });
    const client = new Outage(api, () => Date.now() >= downFrom && Date.now() < downFrom + 20_000);
    const { run, results } = start(client, makeRequests(2_000));
    await clock.tickAsync(8_000);
    const before = results.length;
    assert.ok(before > 0 && before < 2_000, `${before} answered before the blip`);
    downFrom = Date.now();
    await clock.tickAsync(20_000);
    // The replies in the air when it went down came back; then at most one attempt per pause.
    // What one pass of the loop had let go when the network went: refused together. Then one
    // attempt per pause, the pauses doubling: 1, 2, 4, 8 s.
    const wave = client.refusedAt.filter((t) => t === client.refusedAt[0]).length;
    const gaps = client.refusedAt.slice(wave - 1).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!)).slice(1);
    assert.deepEqual(gaps, [1_000, 2_000, 4_000, 8_000], `refused at ${client.refusedAt.join(', ')}`);
    await clock.tickAsync(200_000);
    const summary = await run.done;
    assert.equal(summary.state, 'finished');
    assert.equal(summary.succeeded, 2_000);
    assert.equal(summary.rateLimited, 0);
    assert.equal(summary.errored, 0);
    assert.equal(api.received, 2_000, 'every line reached the API exactly once');
    assert.ok(results.every((r) => r.result.type === 'succeeded'));
  });
});
