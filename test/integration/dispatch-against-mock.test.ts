// The core and the real SDK against the project's mock API, over HTTP on 127.0.0.1.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, appendFileSync } from 'node:fs';
import { Dispatcher, type DispatcherOptions } from '../../src/core/dispatch/dispatcher';
import { createSdkMessagesClient } from '../../src/core/client/messages-client';
import { Pricing } from '../../src/core/pricing/pricing';
import { prepareRunFile, startRunFile, type RunFileOptions } from '../../src/core/run-file';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/simulator/mock-server';
import type { RunSummary } from '../../src/core/dispatch/run-api';
import { readResults, tempDir, writeJob, type JobOptions } from '../helpers/jsonl';

const API_KEY = 'test-key';
const MANY = 1_000_000_000;

interface Outcome {
  summary: RunSummary;
  completedAt: number[];
  resultsPath: string;
  dispatcher: Dispatcher;
}

describe('dispatch against the mock API (real SDK over HTTP)', function () {
  this.timeout(180_000);
  let dir: string;
  let cleanup: () => void;
  let server: MockServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function mock(options: Partial<MockServerOptions> & Pick<MockServerOptions, 'limits'>): Promise<MockServer> {
    server = await startMockServer({ apiKey: API_KEY, latency: { baseMs: 300, perOutputTokenMs: 1, jitter: 0.1 }, ...options });
    return server;
  }

  async function run(job: JobOptions | string, extra: Partial<RunFileOptions> = {}, dispatcherOptions: Partial<DispatcherOptions> = {}): Promise<Outcome> {
    let input = typeof job === 'string' ? job : join(dir, 'job.jsonl');
    if (typeof job !== 'string') writeJob(input, job);
    const options: RunFileOptions = { inputPath: input, pricing: new Pricing(), ...extra };
    const prepared = await prepareRunFile(options);
    assert.ok(prepared.ok, 'the job is valid');
    const dispatcher = new Dispatcher({ client: createSdkMessagesClient({ apiKey: API_KEY, baseURL: server!.url }), ...dispatcherOptions });
    const completedAt: number[] = [];
    const { finished } = await startRunFile(dispatcher, { ...options, onResult: () => completedAt.push(Date.now()) }, prepared);
    return { summary: await finished, completedAt, resultsPath: prepared.outPath, dispatcher };
  }

  /** Completions per second after the warm-up (refill to the soft floor, ramp), up to the last one. */
  function steadyRate(completedAt: number[], warmupMs: number): number {
    const from = completedAt[0]! + warmupMs;
    const to = completedAt.at(-1)!;
    const inWindow = completedAt.filter((t) => t > from && t <= to).length;
    return (inWindow * 1000) / (to - from);
  }

  it('an OTPM-bound job runs at ≥ 95% of the quota bound with ≤ 1% answered 429', async () => {
    // 300,000 OTPM = 5,000 tokens/s; 100 output tokens per request → bound 50 req/s.
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: 300_000 }, initial: 'drained', outputTokens: 100 });
    const { summary, completedAt } = await run({ count: 1_600, maxTokens: 200 });
    const stats = s.stats();
    const bound = 5_000 / (stats.outputTokensCharged / stats.succeeded);
    const rate = steadyRate(completedAt, 10_000);
    const utilization = rate / bound;
    console.log(`      OTPM-bound: ${rate.toFixed(1)} req/s of ${bound.toFixed(1)} bound = ${(utilization * 100).toFixed(1)}%, ${stats.rateLimited} of ${stats.received} answered 429`);
    assert.equal(summary.succeeded, 1_600);
    assert.ok(utilization >= 0.95, `utilization ${(utilization * 100).toFixed(1)}%`);
    assert.ok(stats.rateLimited / stats.received <= 0.01, `${stats.rateLimited} answered 429`);
  });

  it('a drained file alternating two model classes: ≥ 95% of the floor-aware bound of both classes together, ≤ 1% answered 429', async () => {
    // Each class its own buckets: Haiku 300,000 OTPM (5,000 tokens/s), Sonnet half that; 100 output tokens a reply.
    const s = await mock({
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: 300_000 },
      classLimits: { sonnet: { outputTokensPerMinute: 150_000 } },
      initial: 'drained',
      outputTokens: 100,
    });
    const started = Date.now();
    const { summary, completedAt } = await run({ count: 1_200, maxTokens: 200, model: (i) => (i % 2 ? 'claude-sonnet-4-6' : 'claude-haiku-4-5') });
    const seconds = (completedAt.at(-1)! - started) / 1000;
    const stats = s.stats();
    // Per class: its soft floor's refill (10% of its limit), then 600 × 100 tokens, in parallel; the slower ends the job.
    const classBound = (perMinute: number) => (0.1 * perMinute + 600 * 100) / (perMinute / 60);
    const bound = Math.max(classBound(300_000), classBound(150_000)) + 0.4;
    console.log(`      two classes: ${seconds.toFixed(1)} s against a bound of ${bound.toFixed(1)} s = ${((bound / seconds) * 100).toFixed(1)}%, ${stats.rateLimited} of ${stats.received} answered 429`);
    assert.equal(summary.succeeded, 1_200);
    assert.ok(bound / seconds >= 0.95, `${seconds.toFixed(1)} s for a ${bound.toFixed(1)} s bound`);
    assert.ok(stats.rateLimited / stats.received <= 0.01, `${stats.rateLimited} answered 429`);
  });

  it("two runs on one key, one per model class: each at its own class's pace, together ≥ 95% of the bound, ≤ 1% answered 429", async () => {
    const s = await mock({
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: 300_000 },
      classLimits: { sonnet: { outputTokensPerMinute: 150_000 } },
      initial: 'drained',
      outputTokens: 100,
    });
    const dispatcher = new Dispatcher({ client: createSdkMessagesClient({ apiKey: API_KEY, baseURL: server!.url }) });
    const started = Date.now();
    const runOf = async (name: string, model: string) => {
      const inputPath = join(dir, `${name}.jsonl`);
      writeJob(inputPath, { count: 600, maxTokens: 200, model });
      const options: RunFileOptions = { inputPath, pricing: new Pricing() };
      const prepared = await prepareRunFile(options);
      assert.ok(prepared.ok);
      const { finished } = await startRunFile(dispatcher, options, prepared);
      await finished;
      return (Date.now() - started) / 1000;
    };
    const [haiku, sonnet] = await Promise.all([runOf('grading', 'claude-haiku-4-5'), runOf('summaries', 'claude-sonnet-4-6')]);
    const classBound = (perMinute: number) => (0.1 * perMinute + 600 * 100) / (perMinute / 60) + 0.4;
    const stats = s.stats();
    console.log(`      two runs: haiku ${haiku.toFixed(1)} s (bound ${classBound(300_000).toFixed(1)}), sonnet ${sonnet.toFixed(1)} s (bound ${classBound(150_000).toFixed(1)}), ${stats.rateLimited} of ${stats.received} answered 429`);
    assert.ok(classBound(150_000) / Math.max(haiku, sonnet) >= 0.95, `${Math.max(haiku, sonnet).toFixed(1)} s`);
    assert.ok(classBound(300_000) / haiku >= 0.9, `the Haiku run is not held to Sonnet's pace: ${haiku.toFixed(1)} s`);
    assert.ok(stats.rateLimited / stats.received <= 0.01, `${stats.rateLimited} answered 429`);
  });

  it('an ITPM-bound job runs at ≥ 95% of the quota bound with ≤ 1% answered 429', async () => {
    // 3,000,000 ITPM = 50,000 tokens/s; ~1,000 input tokens per request → bound ~50 req/s.
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: MANY }, initial: 'drained', outputTokens: 10 });
    const padding = 'lorem ipsum dolor sit amet '.repeat(148);
    const { summary, completedAt } = await run({ count: 1_600, maxTokens: 50, prompt: (i) => `${i}: ${padding}` });
    const stats = s.stats();
    const bound = 50_000 / (stats.inputTokensCharged / stats.succeeded);
    const rate = steadyRate(completedAt, 10_000);
    const utilization = rate / bound;
    console.log(`      ITPM-bound: ${rate.toFixed(1)} req/s of ${bound.toFixed(1)} bound = ${(utilization * 100).toFixed(1)}%, ${stats.rateLimited} of ${stats.received} answered 429`);
    assert.equal(summary.succeeded, 1_600);
    assert.ok(utilization >= 0.95, `utilization ${(utilization * 100).toFixed(1)}%`);
    assert.ok(stats.rateLimited / stats.received <= 0.01, `${stats.rateLimited} answered 429`);
  });

  it('rides out a 429 storm with retry-after and 529 bursts, and loses nothing', async () => {
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, outputTokens: 20 });
    s.injectErrors([
      ...Array.from({ length: 3 }, () => ({ status: 429, retryAfterSec: 2 })),
      ...Array.from({ length: 4 }, () => ({ status: 529 })),
      { resetConnection: true },
    ]);
    const started = Date.now();
    const { summary, resultsPath } = await run({ count: 60 }, {}, { maxInFlight: 4, random: () => 0.1 });
    const stats = s.stats();
    assert.equal(summary.succeeded, 60);
    assert.equal(summary.rateLimited, 3);
    assert.ok(summary.retries >= 8, `${summary.retries} retries`);
    assert.ok(Date.now() - started >= 2_000, 'retry-after was honoured');
    const lines = readResults(resultsPath);
    assert.equal(new Set(lines.map((l) => l.custom_id)).size, 60);
    assert.ok(lines.some((l) => l.attempts > 1));
    assert.equal(stats.succeeded, 60, 'no request answered twice');
  });

  it('never crosses the spend cap, measured by what the server billed', async () => {
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, outputTokens: 900 });
    const cap = 0.25;
    const { summary, resultsPath } = await run({ count: 200, maxTokens: 1_000 }, { maxSpendUsd: cap }, { maxInFlight: 16 });
    const billed = s.stats().billedUsd;
    console.log(`      spend cap $${cap}: server billed $${billed.toFixed(4)}, ${summary.succeeded} sent, ${summary.unsent} unsent`);
    assert.equal(summary.state, 'budget-reached');
    assert.ok(billed <= cap, `billed ${billed}`);
    assert.ok(billed >= cap * 0.8, 'the budget is used, not wasted');
    assert.equal(readResults(resultsPath).length, summary.succeeded);
    assert.ok(Math.abs(summary.spentUsd - billed) < 1e-9, 'our books match the server\'s');
  });

  it('stops at once on the org spend limit and resumes cleanly afterwards', async () => {
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, outputTokens: 200, orgSpendLimitUsd: 0.01 });
    const input = join(dir, 'job.jsonl');
    const ids = writeJob(input, { count: 100, maxTokens: 300 });
    const first = await run(input, {}, { maxInFlight: 4 });
    const stats = s.stats();
    assert.equal(first.summary.state, 'api-stopped');
    assert.match(first.summary.detail ?? '', /spend limit/);
    assert.ok(stats.rateLimited <= 4, `at most the in-flight requests meet the limit (${stats.rateLimited})`);
    assert.ok(first.summary.unsent > 0);

    s.configure({ orgSpendLimitUsd: null });
    const second = await run(input, {}, { maxInFlight: 4 });
    assert.equal(second.summary.state, 'finished');
    const lines = readResults(second.resultsPath);
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), ids);
    assert.equal(second.summary.resumed, first.summary.succeeded);
  });

  it('sends nothing when a line is bad, and names the file and line', async () => {
    const s = await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY } });
    const input = join(dir, 'bad.jsonl');
    writeJob(input, { count: 5 });
    appendFileSync(input, '{"custom_id": "x", "params": {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [], "temperature": 0.5}}\n');
    const prepared = await prepareRunFile({ inputPath: input, pricing: new Pricing() });
    assert.equal(prepared.ok, false);
    const messages = (prepared.ok ? [] : prepared.problems).map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.ok(messages.some((m) => m.startsWith(`${input}:6: `) && /messages/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith(`${input}:6: `) && /temperature/.test(m)));
    assert.equal(s.stats().received, 0);
  });

  it('sends a large max_tokens without the SDK refusing it (explicit timeout)', async () => {
    await mock({ limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, outputTokens: 10 });
    const input = join(dir, 'big.jsonl');
    writeFileSync(input, JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64_000, messages: [{ role: 'user', content: 'hi' }] }) + '\n');
    const { summary, resultsPath } = await run(input);
    assert.equal(summary.succeeded, 1);
    assert.equal(readResults(resultsPath)[0]?.custom_id, 'line-1');
  });
});
