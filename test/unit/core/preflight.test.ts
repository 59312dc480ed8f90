// The pre-flight duration: probe, ramp, ceiling × reply time, quota with its full-bucket burst, the
// slowest last reply — each expectation worked out by hand from the formula in preflight-duration.ts.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateDuration, describeDuration, apiReplyTimes, type DurationInput } from '../../../src/core/preflight-duration';
import { estimatePreflight } from '../../../src/core/preflight';
import { preflightLine } from '../../../src/cli/progress';
import { expectedLatency, REALISTIC_LATENCY, simulatedReplyTimes } from '../../../src/simulator/latency';
import { Pricing } from '../../../src/core/pricing/pricing';
import { prepareRunFile } from '../../../src/core/run-file';

const close = (actual: number | undefined, expected: number, what: string): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

/** Limits so large they never bind. */
const ROOMY = { requestsPerMinute: 1e9, inputTokensPerMinute: 1e12, outputTokensPerMinute: 1e12 };

function input(over: Partial<DurationInput>): DurationInput {
  return {
    requests: 101,
    inputTokens: 100,
    outputTokens: 100,
    limits: ROOMY,
    // Every reply takes exactly 2 s: the last one is no slower than the average.
    replies: { mean: 2, max: 2, spread: 0 },
    inFlight: { maxInFlight: 'auto', cap: 64 },
    ...over,
  };
}

describe('pre-flight duration', () => {
  describe('the in-flight ceiling × the reply time', () => {
    it('a fixed ceiling: the probe alone, then 10 per 2 s round trip, then the last reply', () => {
      // Probe 0→2 s; the other 100 at 10 / 2 s: the last leaves at 2 + (100 − 10)·2/10 = 20 s, back at 22 s.
      const d = estimateDuration(input({ inFlight: { maxInFlight: 10, cap: 64 } }));
      close(d.expectedSeconds, 22, 'expected');
      assert.equal(d.binding, 'in-flight ceiling');
      close(d.inFlight, 10, 'in flight');
      close(d.requestsPerSecond, 5, 'pace: 10 / 2 s');
      close(d.rampSeconds, 2, 'only the probe before the ceiling is reached');
    });

    it('auto: after the probe, the whole ceiling at once (Little\'s law from the first headers, no slow ramp)', () => {
      // 19 after the probe, under the cap of 64: all leave at 2 s (the probe's reply), back at 4 s.
      const d = estimateDuration(input({ requests: 20 }));
      close(d.expectedSeconds, 4, 'expected');
      close(d.inFlight, 19, 'all of them');
      assert.equal(d.binding, 'in-flight ceiling');
      close(d.rampSeconds, 2, 'only the probe');
    });

    it('auto, a file longer than the cap: 64 per round trip after the probe', () => {
      // Replies of 1 s. 504 after the probe, 64 at a time: the last leaves at 1 + (504 − 64)/64 s, back 1 s later.
      const d = estimateDuration(input({ requests: 505, replies: { mean: 1, max: 1, spread: 0 } }));
      close(d.expectedSeconds, 1 + 440 / 64 + 1, 'expected');
      close(d.inFlight, 64, 'at the cap');
      close(d.requestsPerSecond, 64, '64 in flight / 1 s');
    });

    it('this process: with a thousand in flight, the CPU each request costs can set the pace', () => {
      // 2,000 after the probe, cap 1,000, replies of 2 s, 4 ms of CPU each: the ceiling path sends the
      // last at 2 + 1,000·2/1,000 = 4 s, but the process needs 2,000 × 4 ms = 8 s after the probe: 10 s.
      const d = estimateDuration(input({ requests: 2_001, inFlight: { maxInFlight: 'auto', cap: 1_000 }, replies: { mean: 2, max: 2, spread: 0, cpuSeconds: 0.004 } }));
      assert.equal(d.binding, 'this process');
      close(d.expectedSeconds, 2 + 8 + 2, 'expected');
      close(d.requestsPerSecond, 250, 'pace');
      assert.match(describeDuration(d), /this process, ~250 requests\/s/);
    });

    it('a lower cap settles lower', () => {
      // Cap 6: 100 after the probe at 6 per 2 s: 2 + (100 − 6)·2/6, back 2 s later.
      const d = estimateDuration(input({ inFlight: { maxInFlight: 'auto', cap: 6 } }));
      close(d.expectedSeconds, 2 + (94 * 2) / 6 + 2, 'expected');
      close(d.inFlight, 6, 'in flight');
    });

    it('the last reply is the slowest of those in flight: mean + (max − mean)·(m − 1)/(m + 1)', () => {
      // As the fixed-ceiling case, but replies spread up to 5 s: the last of 10 takes 2 + 3·9/11.
      const d = estimateDuration(input({ inFlight: { maxInFlight: 10, cap: 64 }, replies: { mean: 2, max: 5, spread: 0 } }));
      close(d.expectedSeconds, 20 + 2 + (3 * 9) / 11, 'expected');
    });

    it('the range redoes the timeline with replies `spread` faster and slower', () => {
      // spread 0.5: replies of 1 s → 1 + 90/10 + 1 = 11; of 3 s → 3 + 27 + 3 = 33.
      const d = estimateDuration(input({ inFlight: { maxInFlight: 10, cap: 64 }, replies: { mean: 2, max: 2, spread: 0.5 } }));
      close(d.range[0], 11, 'low');
      close(d.range[1], 33, 'high');
      close(d.expectedSeconds, 22, 'expected');
    });
  });

  describe('the quota: the room above the soft floor at once, then the refill', () => {
    it('requests per minute: the full bucket (no floor), then limit/60 per second', () => {
      // 600/min: 600 at once, then 10/s. 900 after the probe: 300 over the bucket → 30 s after the 1 s probe; back 1 s later.
      const d = estimateDuration(input({
        requests: 901,
        limits: { ...ROOMY, requestsPerMinute: 600 },
        replies: { mean: 1, max: 1, spread: 0 },
        inFlight: { maxInFlight: 1000, cap: 64 },
      }));
      assert.equal(d.binding, 'requests');
      close(d.expectedSeconds, 1 + 30 + 1, 'expected');
      close(d.requestsPerSecond, 10, 'the refill');
      close(d.inFlight, 10, "Little's law: 10/s × 1 s");
    });

    it('a token bucket is spent down to its soft floor, not to zero', () => {
      // ITPM 60,000 (1,000/s), 100 per request, 1,000 after the probe = 100,000 tokens.
      // Soft floor 10% (6,000): 54,000 at once, 46 s of refill. No floor: 60,000 at once, 40 s.
      const base = { requests: 1001, limits: { ...ROOMY, inputTokensPerMinute: 60_000 }, replies: { mean: 1, max: 1, spread: 0 }, inFlight: { maxInFlight: 1000, cap: 64 } };
      const floored = estimateDuration(input({ ...base, softFloor: { percent: 10 } }));
      const bare = estimateDuration(input({ ...base, softFloor: { tokens: 0 } }));
      assert.equal(floored.binding, 'input tokens');
      close(floored.expectedSeconds, 1 + 46 + 1, 'with the default-sized floor');
      close(bare.expectedSeconds, 1 + 40 + 1, 'without a floor');
      close(estimateDuration(input(base)).expectedSeconds, floored.expectedSeconds, 'the default soft floor is 10%');
    });

    it('output tokens: the reply times may say how long replies really are (the simulator)', () => {
      // OTPM 6,000 (100/s); 120 tokens a reply (not the 100 guessed): 201 after the probe = 24,120 tokens;
      // no floor → 6,000 at once, then 18,120 / 100 = 181.2 s.
      const d = estimateDuration(input({
        requests: 202,
        limits: { ...ROOMY, outputTokensPerMinute: 6_000 },
        replies: { mean: 1, max: 1, spread: 0, outputTokens: 120 },
        softFloor: { tokens: 0 },
      }));
      assert.equal(d.binding, 'output tokens');
      close(d.expectedSeconds, 1 + 181.2 + 1, 'expected');
    });

    it('a full bucket loses its refill only while the probe is out', () => {
      // Replies of 1 s; 20 requests/s. The bucket (1,200 requests) is full until the probe's reply at 1 s;
      // the other 3,000 leave no sooner than 1 + (3,000 − 1,200)/20 = 91 s, back 1 s later.
      const d = estimateDuration(input({ requests: 3001, limits: { ...ROOMY, requestsPerMinute: 1_200 }, replies: { mean: 1, max: 1, spread: 0 } }));
      assert.equal(d.binding, 'requests');
      close(d.expectedSeconds, 91 + 1, 'expected');
    });

    it('a quota-bound run hardly moves with the reply time; a ceiling-bound one does', () => {
      const quota = estimateDuration(input({ requests: 901, limits: { ...ROOMY, requestsPerMinute: 600 }, replies: { mean: 1, max: 1, spread: 0.5 }, inFlight: { maxInFlight: 1000, cap: 64 } }));
      // Only the probe and the last reply move: 0.5 + 30 + 0.5 … 1.5 + 30 + 1.5.
      close(quota.range[0], 31, 'low');
      close(quota.range[1], 33, 'high');
    });
  });

  describe('reply times', () => {
    it("the simulator's: its output lengths (20..220, capped at max_tokens) through its latency model", () => {
      // max_tokens 100: Σ min(t, 100) over t = 20..220 = (20 + 100)·81/2 + 120·100 = 16,860, over 201 lengths.
      const e = expectedLatency(REALISTIC_LATENCY, 100);
      close(e.outputTokens, 16_860 / 201, 'output');
      close(e.meanMs, 500 + 12.5 * (16_860 / 201), 'mean');
      close(e.maxMs, (500 + 12.5 * 100) * 1.2, 'max: the cap, +20% jitter');
      close(e.minMs, (500 + 12.5 * 20) * 0.8, 'min');
      // Uncapped: 120 tokens on average → 2 s; the longest 220 tokens → 3.25 s × 1.2.
      const r = simulatedReplyTimes(REALISTIC_LATENCY)({ model: 'm', outputTokens: 999, maxTokens: 300 });
      close(r.mean, 2, 'mean s');
      close(r.max, 3.9, 'max s');
      close(r.spread, 0.2, 'the jitter');
      close(r.outputTokens, 120, 'output the simulator gives, not the guess');
    });

    it("the real API's, as assumed: 0.5 s to the first token, then 80 tokens/s; the longest reply uses max_tokens", () => {
      const r = apiReplyTimes({ model: 'm', outputTokens: 400, maxTokens: 800 });
      close(r.mean, 0.5 + 400 / 80, 'mean');
      close(r.max, 0.5 + 800 / 80, 'max');
      close(r.spread, 0.5, 'spread');
      assert.equal(r.outputTokens, undefined);
    });
  });

  describe('estimatePreflight', () => {
    // The quickstart's shape: 20 haiku requests of max_tokens 300.
    const totals = {
      inputBytes: 2_000, maxTokens: 6_000, byModel: { 'claude-haiku-4-5': 20 }, usesCache: 0,
      perModel: { 'claude-haiku-4-5': { firstLine: 1, requests: 20, inputBytes: 2_000, maxTokens: 6_000, usesCache: 0, usesCache1h: 0 } },
    };
    const start = { requestsPerMinute: 1_000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 };

    it('a rehearsal of the quickstart: the probe, then the other 19 at once, with the simulator replies (2 s, the longest 3.9 s)', () => {
      const e = estimatePreflight(totals, new Pricing(), { limits: start, replyTimes: simulatedReplyTimes(REALISTIC_LATENCY) });
      // The 19 leave at 2 s (and 19 × 4 ms of the process's CPU); the last of 19 replies: 2 + 1.9·18/20.
      close(e.expectedSeconds, 2 + 19 * 0.004 + 2 + (1.9 * 18) / 20, 'expected');
      assert.equal(e.bindingLimit, 'in-flight ceiling');
      // Replies 20% faster (1.6 s, longest 3.12 s) and slower (2.4 s, 4.68 s).
      close(e.duration?.range[0], 1.6 + 19 * 0.004 + 1.6 + (1.52 * 18) / 20, 'low');
      close(e.duration?.range[1], 2.4 + 19 * 0.004 + 2.4 + (2.28 * 18) / 20, 'high');
      assert.equal(describeDuration(e.duration!), 'expected ~6s (5–7s: 19 in flight × 2.0 s replies)');
      assert.match(preflightLine(e, 'start'), / · expected ~6s \(5–7s: 19 in flight × 2\.0 s replies\) at start-tier limits$/);
    });

    it('the ceiling passed in is the one used', () => {
      const e = estimatePreflight(totals, new Pricing(), { limits: start, replyTimes: simulatedReplyTimes(REALISTIC_LATENCY), inFlight: { maxInFlight: 2, cap: 64 } });
      // 19 after the probe at 2 per 2 s: the last leaves at 2 + 17·2/2 = 19 s; the last of 2: 2 + 1.9/3.
      close(e.expectedSeconds, 19 + 2 + 1.9 / 3, 'expected');
    });

    it('names the limit when the quota sets the pace', () => {
      const many = { ...totals, perModel: { 'claude-haiku-4-5': { ...totals.perModel['claude-haiku-4-5'], requests: 2_001, maxTokens: 2_001 * 300 } } };
      const e = estimatePreflight(many, new Pricing(), { limits: start, replyTimes: simulatedReplyTimes(REALISTIC_LATENCY), inFlight: { maxInFlight: 'auto', cap: 1_000 } });
      // 2,000 after the probe against 1,000 at once and 16.67/s: the bucket is full until the probe's reply
      // at 2 s, then the rest leave at the refill: 2 + (2,000 − 1,000)/16.67 s.
      assert.equal(e.bindingLimit, 'requests');
      const rate = 1000 / 60;
      const lastSent = 2 + (2000 - 1000) / rate;
      // Little's law: 16.67/s × 2 s ≈ 33 in flight; the last of them: 2 + 1.9·(m − 1)/(m + 1).
      const m = rate * 2;
      close(e.expectedSeconds, lastSent + 2 + (1.9 * (m - 1)) / (m + 1), 'expected');
      assert.match(describeDuration(e.duration!), /^expected ~1m06s \(1m05s–1m07s: the requests per minute limit, 17 requests\/s\)$/);
    });

    it('the soft floor passed in is the one used', () => {
      // 1,001 requests of 16,000 bytes = 4,000 input tokens: after the probe 4M against 2M/min (33,333/s).
      // A 10% floor leaves 1.8M at once → 66 s of refill; no floor, 2M → 60 s.
      const big = { ...totals, perModel: { 'claude-haiku-4-5': { ...totals.perModel['claude-haiku-4-5'], requests: 1_001, inputBytes: 1_001 * 16_000, maxTokens: 1_001 * 300 } } };
      const at = (softFloor: { percent: number } | { tokens: number }) =>
        estimatePreflight(big, new Pricing(), { limits: start, replyTimes: simulatedReplyTimes(REALISTIC_LATENCY), softFloor });
      const floored = at({ percent: 10 });
      assert.equal(floored.bindingLimit, 'input tokens');
      close(floored.expectedSeconds! - at({ tokens: 0 }).expectedSeconds!, 6, '66 s − 60 s');
    });

    it('two model classes run in parallel on their own buckets: the file takes as long as its slower class', () => {
      const haiku = { ...totals.perModel['claude-haiku-4-5'], requests: 2_001, maxTokens: 2_001 * 300 };
      const options = { limits: start, replyTimes: simulatedReplyTimes(REALISTIC_LATENCY), inFlight: { maxInFlight: 'auto' as const, cap: 1_000 } };
      const alone = estimatePreflight({ ...totals, perModel: { 'claude-haiku-4-5': haiku } }, new Pricing(), options);
      // The same again on Sonnet: its own 1,000 requests a minute, so no longer than Haiku alone.
      const both = estimatePreflight({ ...totals, perModel: { 'claude-haiku-4-5': haiku, 'claude-sonnet-4-6': { ...haiku } } }, new Pricing(), options);
      close(both.expectedSeconds, alone.expectedSeconds!, 'two classes in parallel');
      // Two models of one class share its buckets: twice the work, about twice as long.
      const oneClass = estimatePreflight({ ...totals, perModel: { 'claude-haiku-4-5': haiku, 'claude-haiku-4-5-20251001': { ...haiku } } }, new Pricing(), options);
      assert.ok(oneClass.expectedSeconds! > 1.8 * alone.expectedSeconds!, `${oneClass.expectedSeconds} vs ${alone.expectedSeconds}`);
    });

    it('without limits there is no duration, and the line says how to get one', () => {
      const e = estimatePreflight(totals, new Pricing());
      assert.equal(e.expectedSeconds, undefined);
      assert.equal(e.duration, undefined);
      assert.match(preflightLine(e, undefined), /duration unknown until the first reply brings the limits/);
    });
  });

  describe('a resume estimates only what is left', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-preflight-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const body = (content: string, model: string, maxTokens: number) => ({ model, max_tokens: maxTokens, messages: [{ role: 'user', content }] });
    const bytes = (content: string) => `{"messages":[{"role":"user","content":"${content}"}]}`.length;

    it('prepareRunFile totals the lines left to send, per model', async () => {
      const input = path.join(dir, 'jobs.jsonl');
      const lines = [
        { custom_id: 'a', params: body('aaaa', 'claude-haiku-4-5', 100) },
        { custom_id: 'b', params: body('bbbbbbbb', 'claude-haiku-4-5', 200) },
        { custom_id: 'c', params: body('cc', 'claude-sonnet-4-6', 300) },
        { custom_id: 'd', params: body('dddddd', 'claude-haiku-4-5', 400) },
      ];
      fs.writeFileSync(input, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const out = path.join(dir, 'jobs.results.jsonl');
      const done = (id: string) => JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { content: [] } }, model: 'claude-haiku-4-5', latency_ms: 1, attempts: 1, cost_usd: 0, usage: null });
      fs.writeFileSync(out, `${done('a')}\n${done('c')}\n`);

      const prepared = await prepareRunFile({ inputPath: input, outPath: out, pricing: new Pricing() });
      assert.ok(prepared.ok);
      assert.equal(prepared.toSend, 2);
      assert.equal(prepared.scan.totals.maxTokens, 1_000, 'the scan still counts every line');
      const left = prepared.toSendTotals;
      assert.equal(left.maxTokens, 600);
      assert.equal(left.inputBytes, bytes('bbbbbbbb') + bytes('dddddd'));
      assert.deepEqual(left.byModel, { 'claude-haiku-4-5': 2 });
      assert.deepEqual(Object.keys(left.perModel), ['claude-haiku-4-5']);
      assert.equal(left.perModel['claude-haiku-4-5']!.requests, 2);
      assert.equal(left.perModel['claude-haiku-4-5']!.maxTokens, 600);
      assert.equal(left.perModel['claude-haiku-4-5']!.inputBytes, bytes('bbbbbbbb') + bytes('dddddd'));

      // The estimate of the resume is of 2 requests (the probe, then one more; fixed so the arithmetic stays short).
      const e = estimatePreflight(left, new Pricing(), {
        limits: { requestsPerMinute: 1_000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 },
        replyTimes: () => ({ mean: 1, max: 1, spread: 0 }),
        inFlight: { maxInFlight: 1, cap: 64 },
      });
      assert.equal(e.requests, 2);
      close(e.expectedSeconds, 2, 'probe 1 s, then the other 1 s');
    });

    it('without earlier results the totals are the scan’s', async () => {
      const input = path.join(dir, 'jobs.jsonl');
      fs.writeFileSync(input, JSON.stringify({ custom_id: 'a', params: body('aaaa', 'claude-haiku-4-5', 100) }) + '\n');
      const prepared = await prepareRunFile({ inputPath: input, outPath: path.join(dir, 'jobs.results.jsonl'), pricing: new Pricing() });
      assert.ok(prepared.ok);
      assert.equal(prepared.toSendTotals, prepared.scan.totals);
    });
  });
});
