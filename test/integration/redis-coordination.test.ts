// Several `floorline` processes sharing one key's quota through a real Redis, against one mock API
// whose buckets start drained: the shared reservation keeps 429s rare where separate processes
// collide; a killed worker's leases expire; a Redis outage holds the runs, which recover after it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startMockServer, type MockServer } from '../../src/simulator/mock-server';
import { keyId } from '../../src/core/key-id';
import { readResults, tempDir, writeJob } from '../helpers/jsonl';
import { startCli, lineCount, until, ROOT, type CliProcess, type Finished } from '../helpers/cli-process';
import { startRedis, type RedisServer } from '../fixtures/redis-server';

const API_KEY = 'test-key-shared';
// 120k OTPM = 2,000 output tokens/s; 100 tokens per reply → a bound of 20 requests/s for everyone together.
const LIMITS = { requestsPerMinute: 6_000, inputTokensPerMinute: 10_000_000, outputTokensPerMinute: 120_000 };
const FLOORS = ['--soft-floor', '5%', '--hard-floor', '1%'];

function worker(input: string, args: string[]): CliProcess {
  return startCli(['run', input, ...FLOORS, ...args], { ANTHROPIC_API_KEY: API_KEY });
}

describe('shared quota over Redis (real redis-server, CLI processes, one mock API)', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let server: MockServer | undefined;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT });
    redis = await startRedis();
  });
  after(async () => redis?.stop());
  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 }).on('error', () => undefined);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function mock(): Promise<MockServer> {
    server = await startMockServer({ apiKey: API_KEY, limits: LIMITS, initial: 'drained', latency: { baseMs: 150, perOutputTokenMs: 1, jitter: 0.2 }, outputTokens: 100 });
    return server;
  }

  function jobs(workers: number, lines: number, name = 'part'): Array<{ input: string; results: string; ids: string[] }> {
    return Array.from({ length: workers }, (_, w) => {
      const input = join(dir, `${name}-${w}.jsonl`);
      const ids = writeJob(input, { count: lines, prompt: (i) => `worker ${w} question ${i}: say something short.` });
      return { input, results: join(dir, `${name}-${w}.results.jsonl`), ids };
    });
  }

  async function runAll(parts: ReturnType<typeof jobs>, extra: string[]): Promise<{ seconds: number; finished: Finished[] }> {
    const started = Date.now();
    const finished = await Promise.all(parts.map((p) => worker(p.input, extra).done));
    return { seconds: (Date.now() - started) / 1000, finished };
  }

  it('four processes with Redis: ≤ 1% answered 429, every line exactly once (and the same run without Redis, measured)', async () => {
    const s = await mock();
    const parts = jobs(4, 50);
    const shared = await runAll(parts, ['--base-url', s.url, '--redis', redis.url]);
    for (const f of shared.finished) assert.equal(f.code, 0, f.stderr);
    for (const p of parts) assert.deepEqual(readResults(p.results).map((l) => l.custom_id).sort(), p.ids);
    const withRedis = s.stats();
    const boundSeconds = (200 * 100) / (LIMITS.outputTokensPerMinute / 60);
    console.log(`      with Redis: ${withRedis.rateLimited} of ${withRedis.received} answered 429; ${shared.seconds.toFixed(1)} s for a ${boundSeconds.toFixed(1)} s bound`);
    assert.ok(withRedis.rateLimited <= 0.01 * withRedis.received, `${withRedis.rateLimited} of ${withRedis.received} answered 429`);

    // The same four processes, each alone with its own headers, against a fresh drained quota.
    await s.close();
    const t = await mock();
    const alone = jobs(4, 50, 'alone');
    const separate = await runAll(alone, ['--base-url', t.url]);
    for (const f of separate.finished) assert.equal(f.code, 0, f.stderr);
    const withoutRedis = t.stats();
    console.log(`      without Redis: ${withoutRedis.rateLimited} of ${withoutRedis.received} answered 429; ${separate.seconds.toFixed(1)} s`);
  });

  it('two model classes through Redis: each class shares its own buckets, the Haiku pair is not held to the Sonnet pair\'s pace, ≤ 1% answered 429', async () => {
    // Sonnet's output bucket half of Haiku's; two workers per class on one key.
    server = await startMockServer({
      apiKey: API_KEY, limits: LIMITS, classLimits: { sonnet: { outputTokensPerMinute: LIMITS.outputTokensPerMinute / 2 } },
      initial: 'drained', latency: { baseMs: 150, perOutputTokenMs: 1, jitter: 0.2 }, outputTokens: 100,
    });
    const started = Date.now();
    const part = (name: string, model: string) => {
      const input = join(dir, `${name}.jsonl`);
      writeJob(input, { count: 50, model, prompt: (i) => `${name} question ${i}: say something short.` });
      return worker(input, ['--base-url', server!.url, '--redis', redis.url]).done.then((f) => ({ f, seconds: (Date.now() - started) / 1000 }));
    };
    const done = await Promise.all([part('haiku-a', 'claude-haiku-4-5'), part('haiku-b', 'claude-haiku-4-5'), part('sonnet-a', 'claude-sonnet-4-6'), part('sonnet-b', 'claude-sonnet-4-6')]);
    for (const { f } of done) assert.equal(f.code, 0, f.stderr);
    const stats = server.stats();
    const [haiku, sonnet] = [Math.max(done[0]!.seconds, done[1]!.seconds), Math.max(done[2]!.seconds, done[3]!.seconds)];
    console.log(`      two classes over Redis: Haiku pair ${haiku.toFixed(1)} s, Sonnet pair ${sonnet.toFixed(1)} s; ${stats.rateLimited} of ${stats.received} answered 429`);
    assert.ok(stats.rateLimited <= 0.01 * stats.received, `${stats.rateLimited} of ${stats.received} answered 429`);
    assert.ok(haiku < 0.8 * sonnet, `the Haiku pair (${haiku.toFixed(1)} s) keeps its own pace, not Sonnet's (${sonnet.toFixed(1)} s)`);
    // The shared picture is per class: one set of buckets each, under the key's hash tag.
    const client = new Redis(redis.url).on('error', () => undefined);
    try {
      const keys = (await client.keys(`floorline:{${keyId(API_KEY)}}:class:*:buckets`)).sort();
      assert.deepEqual(keys, ['haiku', 'sonnet'].map((c) => `floorline:{${keyId(API_KEY)}}:class:${c}:buckets`));
    } finally {
      client.disconnect();
    }
  });

  /** A job whose requests the server counts under `name` (its `metadata.user_id` prefix). */
  function namedJob(name: string, model: string, count: number): string {
    const input = join(dir, `${name}.jsonl`);
    const lines = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ custom_id: `${name}-${i}`, params: { model, max_tokens: 200, metadata: { user_id: `${name}-${i}` }, messages: [{ role: 'user', content: `${name} question ${i}: say something short.` }] } }),
    );
    writeFileSync(input, lines.join('\n') + '\n');
    return input;
  }

  /** When the server answered each of `name`'s requests, polled from its books every 50 ms until `done`. */
  function answerTimes(s: MockServer, names: string[], done: Promise<unknown>): Promise<Map<string, number[]>> {
    const times = new Map(names.map((n) => [n, [] as number[]]));
    const counted = new Map(names.map((n) => [n, 0]));
    const poll = () => {
      const byKey = s.stats().completionsByKey;
      const now = Date.now();
      for (const name of names) {
        let n = 0;
        for (const [key, c] of Object.entries(byKey)) if (key.startsWith(`${name}-`)) n += c;
        for (let k = counted.get(name)!; k < n; k++) times.get(name)!.push(now);
        counted.set(name, n);
      }
    };
    const timer = setInterval(poll, 50);
    return done.then(() => {
      clearInterval(timer);
      poll();
      return times;
    });
  }

  /**
   * Output tokens per second taken once past the start (its first quarter of answers: the probe,
   * the wait for a drained bucket, and the share's first fill, which is its share of what the
   * bucket held), as a fraction of a class's OTPM.
   */
  function fractionOf(times: number[], otpm: number): number {
    const from = Math.floor(times.length / 4);
    const seconds = (times[times.length - 1]! - times[from]!) / 1000;
    return ((times.length - 1 - from) * 100) / seconds / (otpm / 60);
  }

  it('shares per participant through Redis: of four processes (two per class), the one capped at 25% holds its share; two processes under one name hold it together', async () => {
    server = await startMockServer({ apiKey: API_KEY, limits: LIMITS, initial: 'drained', latency: { baseMs: 150, perOutputTokenMs: 1, jitter: 0.2 }, outputTokens: 100 });
    const s = server;
    const shared = ['--base-url', s.url, '--redis', redis.url];
    const run = (name: string, model: string, count: number, extra: string[] = []) => worker(namedJob(name, model, count), [...shared, '--participant', name, ...extra]).done;
    // Haiku: `nightly` capped at 25%, `alice` not; Sonnet: two uncapped. 20 requests/s per class.
    const capped = run('nightly', 'claude-haiku-4-5', 60, ['--max-share', '25%']);
    const all = Promise.all([capped, run('alice', 'claude-haiku-4-5', 150), run('ci-a', 'claude-sonnet-4-6', 100), run('ci-b', 'claude-sonnet-4-6', 100)]);
    const times = await answerTimes(s, ['nightly', 'alice', 'ci-a', 'ci-b'], capped);
    const finished = await all;
    for (const f of finished) assert.equal(f.code, 0, f.stderr);
    const nightly = fractionOf(times.get('nightly')!, LIMITS.outputTokensPerMinute);
    const stats = s.stats();
    console.log(
      `      while nightly (25% cap) ran: ` + [...times].map(([n, t]) => `${n} ${t.length} answers`).join(', ') +
        `; nightly took ${(nightly * 100).toFixed(1)}% of Haiku's limit; ${stats.rateLimited} of ${stats.received} answered 429`,
    );
    assert.ok(Math.abs(nightly - 0.25) <= 0.03, `nightly took ${(nightly * 100).toFixed(1)}% of the limit against a 25% share`);
    // Alice had the rest of Haiku meanwhile: more than nightly, as the share leaves it.
    assert.ok(times.get('alice')!.length > 1.5 * times.get('nightly')!.length, `alice ${times.get('alice')!.length}, nightly ${times.get('nightly')!.length}`);
    assert.ok(stats.rateLimited <= 0.01 * stats.received, `${stats.rateLimited} of ${stats.received} answered 429`);

    // Two processes under one name, each asking for 25%: together they hold 25%, not 50%. A fresh
    // key's picture, as at the start of any test: what the first part left would be a burst to take.
    await s.close();
    const flush = new Redis(redis.url).on('error', () => undefined);
    await flush.flushall().finally(() => flush.disconnect());
    server = await startMockServer({ apiKey: API_KEY, limits: LIMITS, initial: 'drained', latency: { baseMs: 150, perOutputTokenMs: 1, jitter: 0.2 }, outputTokens: 100 });
    const t = server;
    const pair = (name: string) => worker(namedJob(name, 'claude-haiku-4-5', 40), ['--base-url', t.url, '--redis', redis.url, '--participant', 'batch', '--max-share', '25%']).done;
    const both = Promise.all([pair('batch-1'), pair('batch-2')]);
    const bulk = worker(namedJob('bulk', 'claude-haiku-4-5', 200), ['--base-url', t.url, '--redis', redis.url, '--participant', 'bulk']).done;
    const pairTimes = await answerTimes(t, ['batch-1', 'batch-2', 'bulk'], both);
    for (const f of [...(await both), await bulk]) assert.equal(f.code, 0, f.stderr);
    const together = [...pairTimes.get('batch-1')!, ...pairTimes.get('batch-2')!].sort((a, b) => a - b);
    const batch = fractionOf(together, LIMITS.outputTokensPerMinute);
    console.log(`      two processes named batch (25% each asked) took together ${(batch * 100).toFixed(1)}% of Haiku's limit`);
    assert.ok(Math.abs(batch - 0.25) <= 0.03, `the two batch processes took ${(batch * 100).toFixed(1)}% together against one 25% share`);
    // The dashboard's list: every participant of the class, with its share.
    const client = new Redis(redis.url).on('error', () => undefined);
    try {
      const names = (await client.hkeys(`floorline:{${keyId(API_KEY)}}:class:haiku:participants`)).sort();
      assert.deepEqual(names, ['batch', 'bulk']);
    } finally {
      client.disconnect();
    }
  });

  it('a worker killed with SIGKILL: its leases expire and the others finish its share of the quota', async () => {
    const s = await mock();
    const parts = jobs(3, 40);
    const running = parts.map((p) => worker(p.input, ['--base-url', s.url, '--redis', redis.url]));
    await until(() => lineCount(parts[0]!.results) >= 10).catch((err: Error) => {
      for (const r of running) r.child.kill('SIGKILL');
      throw new Error(`${err.message}: ${parts.map((p) => lineCount(p.results)).join('/')} lines\n${running.map((r) => r.stderr()).join('\n---\n')}`);
    });
    running[0]!.child.kill('SIGKILL');
    assert.equal((await running[0]!.done).signal, 'SIGKILL');
    const others = await Promise.all(running.slice(1).map((r) => r.done));
    for (const f of others) assert.equal(f.code, 0, f.stderr);
    for (const p of parts.slice(1)) assert.equal(readResults(p.results).length, 40);
    // The dead worker's in-flight leases lapse once their time-to-live has passed (the next
    // reservation by anyone sweeps them and returns what they held).
    const client = new Redis(redis.url).on('error', () => undefined);
    // The Haiku class's share of the key (every line here is Haiku).
    const leases = `floorline:{${keyId(API_KEY)}}:class:haiku:leases`;
    const live = async () => {
      const [seconds, micros] = await client.time();
      return client.zcount(leases, `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}`, '+inf');
    };
    try {
      await until(async () => (await live()) === 0, 30_000);
    } finally {
      client.disconnect();
    }
    assert.ok(s.stats().rateLimited <= 0.01 * s.stats().received, `${s.stats().rateLimited} of ${s.stats().received} answered 429`);
  });

  it('Redis stopped mid-run: new requests hold, and the runs finish when it is back', async () => {
    const s = await mock();
    const parts = jobs(2, 40);
    const running = parts.map((p) => worker(p.input, ['--base-url', s.url, '--redis', redis.url]));
    await until(() => lineCount(parts[0]!.results) + lineCount(parts[1]!.results) >= 16);
    await redis.pause();
    // In-flight requests finish; after that nothing new reaches the API while Redis is away.
    await new Promise((r) => setTimeout(r, 1_000));
    const heldAt = s.stats().received;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(s.stats().received, heldAt, 'no request was sent without the shared quota');
    await redis.resume();
    const finished = await Promise.all(running.map((r) => r.done));
    for (const f of finished) assert.equal(f.code, 0, f.stderr);
    // Whoever still had lines to send when Redis went away said so, naming the server.
    assert.ok(finished.some((f) => /lost redis:\/\/127\.0\.0\.1:\d+; new requests hold/.test(f.stderr)), finished.map((f) => f.stderr).join('\n'));
    for (const p of parts) assert.deepEqual(readResults(p.results).map((l) => l.custom_id).sort(), p.ids);
  });

  it('Redis unreachable at start: exit 2 with the password hidden — or, if allowed, local limits with a warning', async () => {
    const s = await mock();
    const [part] = jobs(1, 5);
    const unreachable = `redis://:s3cret-pass@127.0.0.1:${redis.port + 1}`;
    const refused = await worker(part!.input, ['--base-url', s.url, '--redis', unreachable]).done;
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    assert.doesNotMatch(refused.stderr, /s3cret-pass/);
    assert.equal(s.stats().received, 0);

    const local = await worker(part!.input, ['--base-url', s.url, '--redis', unreachable, '--redis-fallback', 'local']).done;
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stderr, /running on local limits only/);
    assert.doesNotMatch(local.stderr, /s3cret-pass/);
    assert.equal(readResults(part!.results).length, 5);
  });
});
