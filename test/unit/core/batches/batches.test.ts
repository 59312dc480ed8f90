// Message Batches in the core: splitting at the API's limits, submitting what is not done yet,
// collecting results (out of order) into the live results format at batch prices, cancel, and
// interruption at every step. The API is an in-memory fake here; test/integration runs the real
// SDK against the mock server's batches endpoints.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sinon from 'sinon';
import { APIConnectionError, APIConnectionTimeoutError, BadRequestError, InternalServerError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { splitIntoBatches } from '../../../../src/core/batches/batch-split';
import { batchStatePath, loadBatchState } from '../../../../src/core/batches/batch-state';
import { cancelBatches, collectBatches, submitBatches, type BatchJobOptions } from '../../../../src/core/batches/batch-job';
import { CREATE_CLOCK_SKEW_MS, LOOK_AFTER_MS, UncertainBatchCreateError, type BatchEntry, type BatchInfo, type BatchResult, type BatchesClient } from '../../../../src/core/batches/batches-client';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { readResults, tempDir, writeJob } from '../../../helpers/jsonl';

type Outcome = 'succeeded' | 'errored' | 'canceled' | 'expired';

/** What happens to one create call: it fails with `error`, after making the batch or before. */
interface CreateFault {
  error: unknown;
  processed: boolean;
}

class FakeBatches implements BatchesClient {
  readonly batches = new Map<string, { entries: BatchEntry[]; info: BatchInfo; outcomes: Map<string, Outcome> }>();
  /** Results streams that fail after this many lines (an interrupted download). */
  failResultsAfter: number | undefined;
  /** By create call number (1 for the first). */
  readonly createFaults = new Map<number, CreateFault>();
  createCalls = 0;
  listCalls = 0;
  listError: unknown;

  async create(entries: BatchEntry[]): Promise<BatchInfo> {
    const fault = this.createFaults.get(++this.createCalls);
    if (fault && !fault.processed) throw fault.error;
    const info = this.add(entries);
    if (fault) throw fault.error;
    return info;
  }
  /** A batch as the API holds it; also how a test plants one someone else created. */
  add(entries: BatchEntry[]): BatchInfo {
    const id = `msgbatch_${this.batches.size + 1}`;
    const info: BatchInfo = {
      id,
      processing_status: 'in_progress',
      request_counts: { processing: entries.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 24 * 3_600_000).toISOString(),
      ended_at: null,
    };
    this.batches.set(id, { entries, info, outcomes: new Map() });
    return structuredClone(info);
  }
  async listSince(sinceMs: number): Promise<BatchInfo[]> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return [...this.batches.values()]
      .map((b) => structuredClone(b.info))
      .filter((info) => Date.parse(info.created_at) >= sinceMs)
      .reverse();
  }
  /** End a batch: every request gets `outcome(custom_id)`. */
  end(id: string, outcome: (customId: string) => Outcome = () => 'succeeded'): void {
    const b = this.batches.get(id)!;
    for (const e of b.entries) if (!b.outcomes.has(e.custom_id)) b.outcomes.set(e.custom_id, outcome(e.custom_id));
    b.info.processing_status = 'ended';
    b.info.ended_at = '2026-11-24T13:00:00Z';
    b.info.request_counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const o of b.outcomes.values()) b.info.request_counts[o]++;
  }
  async retrieve(id: string): Promise<BatchInfo> {
    return structuredClone(this.batches.get(id)!.info);
  }
  async cancel(id: string): Promise<BatchInfo> {
    const b = this.batches.get(id)!;
    b.info.processing_status = 'canceling';
    return structuredClone(b.info);
  }
  async results(id: string): Promise<AsyncIterable<BatchResult>> {
    const b = this.batches.get(id)!;
    assert.equal(b.info.processing_status, 'ended', 'results only once ended');
    // The API streams results in any order: here, reversed.
    const lines: BatchResult[] = [...b.entries].reverse().map((e) => {
      const type = b.outcomes.get(e.custom_id)!;
      if (type === 'succeeded') {
        return { custom_id: e.custom_id, result: { type, message: { id: `msg_${e.custom_id}`, model: e.params.model, usage: { input_tokens: 1_000, output_tokens: 200 } } } };
      }
      if (type === 'errored') return { custom_id: e.custom_id, result: { type, error: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } } } };
      return { custom_id: e.custom_id, result: { type } };
    });
    const failAfter = this.failResultsAfter;
    return (async function* () {
      let n = 0;
      for (const line of lines) {
        if (failAfter !== undefined && n++ >= failAfter) throw new Error('connection reset while streaming results');
        yield line;
      }
    })();
  }
}

async function* source(n: number): AsyncIterable<InputRequest> {
  for (let i = 0; i < n; i++) {
    yield { customId: `r${i}`, line: i + 1, params: { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'x'.repeat(100) }] } };
  }
}

async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('Message Batches', () => {
  describe('splitting', () => {
    it('starts a new batch at the request limit and at the byte limit', async () => {
      const byCount = await collectAll(splitIntoBatches(source(7), { maxRequests: 3, maxBytes: 1e9 }));
      assert.deepEqual(byCount.map((b) => b.length), [3, 3, 1]);
      // Each entry is ~230 bytes: 1 KB of envelope + 4 entries fit in 2 KB, not 5.
      const byBytes = await collectAll(splitIntoBatches(source(10), { maxRequests: 100_000, maxBytes: 2_048 }));
      assert.ok(byBytes.every((b) => b.length === 4 || b === byBytes.at(-1)), JSON.stringify(byBytes.map((b) => b.length)));
      assert.equal(byBytes.flat().length, 10);
      assert.deepEqual(byBytes.flat().map((e) => e.custom_id), Array.from({ length: 10 }, (_, i) => `r${i}`));
    });

    it('refuses a single request larger than a whole batch, naming its line', async () => {
      await assert.rejects(collectAll(splitIntoBatches(source(2), { maxRequests: 10, maxBytes: 1_100 })), /line 1 \(r0\) alone is \d+ bytes/);
    });
  });

  describe('submit, collect, cancel', () => {
    let dir: string;
    let cleanup: () => void;
    let api: FakeBatches;
    let options: BatchJobOptions;
    const noSleep = async () => undefined;
    beforeEach(() => {
      ({ dir, cleanup } = tempDir());
      api = new FakeBatches();
      const input = join(dir, 'job.jsonl');
      writeJob(input, { count: 10 });
      const resultsPath = join(dir, 'job.results.jsonl');
      options = { inputPath: input, resultsPath, statePath: batchStatePath(resultsPath), client: api, pricing: new Pricing({ batch: true }), limits: { maxRequests: 4, maxBytes: 1e9 } };
    });
    afterEach(() => cleanup());

    it('submits in batches, persists their ids at once, and does not submit them twice', async () => {
      const first = await submitBatches(options);
      assert.deepEqual(first.submitted.map((b) => b.customIds.length), [4, 4, 2]);
      const state = loadBatchState(options.statePath, options.inputPath);
      assert.deepEqual(state.batches.map((b) => b.id), ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
      // A restart before anything ended: everything is waiting in a batch, nothing new goes out.
      const again = await submitBatches(options);
      assert.equal(again.submitted.length, 0);
      assert.equal(again.skipped, 10);
      assert.equal(api.batches.size, 3);
    });

    it('writes results in the live shape, at half price, whatever order they arrive in', async () => {
      await submitBatches(options);
      for (const id of api.batches.keys()) api.end(id, (c) => (c === 'req-000003' ? 'errored' : c === 'req-000007' ? 'expired' : 'succeeded'));
      const outcome = await collectBatches(options, { sleep: noSleep });
      assert.equal(outcome.written, 10);
      const lines = readResults(options.resultsPath);
      assert.deepEqual(lines.map((l) => l.custom_id).sort(), Array.from({ length: 10 }, (_, i) => `req-${String(i).padStart(6, '0')}`));
      const ok = lines.find((l) => l.custom_id === 'req-000000') as ResultLine;
      assert.equal(ok.result.type, 'succeeded');
      assert.equal(ok.model, 'claude-haiku-4-5');
      // Haiku 4.5 at half price: 1,000 × $0.50/M + 200 × $2.50/M.
      assert.ok(Math.abs(ok.cost_usd! - (1_000 * 0.5 + 200 * 2.5) / 1e6) < 1e-12);
      assert.deepEqual(Object.keys(ok).sort(), ['attempts', 'cost_usd', 'custom_id', 'fingerprint', 'latency_ms', 'model', 'result', 'usage']);
      const expired = lines.find((l) => l.custom_id === 'req-000007')!;
      assert.deepEqual(expired.result, { type: 'expired' });
      assert.equal(expired.model, 'claude-haiku-4-5');
      assert.equal(expired.cost_usd, 0);
      assert.equal(lines.find((l) => l.custom_id === 'req-000003')!.result.type, 'errored');
      assert.ok(loadBatchState(options.statePath, options.inputPath).batches.every((b) => b.collected));

      // The next submit sends only what did not succeed: the errored and the expired line.
      const retry = await submitBatches(options);
      assert.deepEqual(retry.submitted.flatMap((b) => b.customIds).sort(), ['req-000003', 'req-000007']);
    });

    it('polls with backoff until every batch has ended; a restart mid-poll picks up the same batches', async () => {
      await submitBatches(options);
      api.end('msgbatch_1');
      // A first process collects what has ended and is killed while the rest still run.
      const partial = await collectBatches(options, { wait: false });
      assert.equal(partial.written, 4);
      assert.equal(partial.unfinished, 2);
      // A second process: polls, the others end meanwhile, everything is collected exactly once.
      const sleeps: number[] = [];
      const outcome = await collectBatches(options, {
        pollMs: 1_000,
        sleep: async (ms) => {
          sleeps.push(ms);
          if (sleeps.length === 2) api.end('msgbatch_2');
          if (sleeps.length === 3) api.end('msgbatch_3');
        },
      });
      assert.deepEqual(sleeps, [1_000, 1_500, 2_250]);
      assert.equal(outcome.written, 6);
      assert.equal(readResults(options.resultsPath).length, 10);
      assert.equal(api.batches.size, 3, 'nothing was submitted again');
    });

    it('a results download cut off half-way is finished by the next collect, without duplicates', async () => {
      await submitBatches(options);
      for (const id of api.batches.keys()) api.end(id);
      api.failResultsAfter = 2;
      await assert.rejects(collectBatches(options, { sleep: noSleep }), /connection reset/);
      assert.equal(readResults(options.resultsPath).length, 2);
      assert.equal(loadBatchState(options.statePath, options.inputPath).batches[0]!.collected, false);
      api.failResultsAfter = undefined;
      await collectBatches(options, { sleep: noSleep });
      const ids = readResults(options.resultsPath).map((l) => l.custom_id);
      assert.equal(ids.length, 10);
      assert.equal(new Set(ids).size, 10);
    });

    it('cancel: batches still processing end with their unfinished requests canceled', async () => {
      await submitBatches(options);
      api.end('msgbatch_1');
      const canceled = await cancelBatches(options);
      assert.deepEqual(canceled.map((b) => b.id), ['msgbatch_2', 'msgbatch_3']);
      assert.equal(loadBatchState(options.statePath, options.inputPath).batches[1]!.status, 'canceling');
      api.end('msgbatch_2', (c) => (c === 'req-000004' ? 'succeeded' : 'canceled'));
      api.end('msgbatch_3', () => 'canceled');
      await collectBatches(options, { sleep: noSleep });
      const lines = readResults(options.resultsPath);
      assert.equal(lines.filter((l) => l.result.type === 'canceled').length, 5);
      assert.equal(lines.filter((l) => l.result.type === 'succeeded').length, 5);
    });

    it('the state file is replaced whole, never left half-written', async () => {
      await submitBatches(options);
      assert.equal(existsSync(`${options.statePath}.tmp`), false);
      writeFileSync(options.statePath, '{"version": 2}');
      await assert.rejects(submitBatches(options), /not a Floorline batch state file/);
      assert.match(readFileSync(options.statePath, 'utf8'), /version/);
    });
  });

  describe('a batch create is never sent twice', () => {
    let dir: string;
    let cleanup: () => void;
    let api: FakeBatches;
    let options: BatchJobOptions;
    let clock: sinon.SinonFakeTimers;
    let logs: string[];
    const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
    const apiError = (type: string, message: string) => ({ type: 'error', error: { type, message } });
    const cause = (code: string, message: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
    const lost = {
      'a connection reset after sending': () => new APIConnectionError({ cause: cause('ECONNRESET', 'read ECONNRESET') }),
      'a timeout': () => new APIConnectionTimeoutError(),
      'a 500': () => new InternalServerError(500, apiError('api_error', 'Internal server error'), undefined, new Headers()),
    };
    const overloaded = () => new OverloadedError(529, apiError('overloaded_error', 'Overloaded'), undefined, new Headers());
    const idsInState = () => (existsSync(options.statePath) ? loadBatchState(options.statePath, options.inputPath).batches.map((b) => b.id) : []);

    // The waits below are bounded in real time (performance.now is not faked): how long the real
    // I/O in between takes depends on the machine, not on the fake clock.
    const patience = () => {
      const deadline = performance.now() + 10_000;
      return () => performance.now() < deadline;
    };
    /** Let real I/O (reading the input, writing the state) run while fake time stands still. */
    async function until(condition: () => boolean): Promise<void> {
      const patient = patience();
      while (!condition()) {
        assert.ok(patient(), 'the condition never held');
        await new Promise((r) => setImmediate(r));
      }
    }
    /** Run `promise` to its end: real I/O in between, and each fake timer once it is all there is to wait for. */
    async function settle<T>(promise: Promise<T>): Promise<T> {
      let done = false;
      promise.then(() => (done = true), () => (done = true));
      const patient = patience();
      while (!done) {
        assert.ok(patient(), 'never settled');
        if (clock.countTimers() > 0) await clock.nextAsync();
        else await new Promise((r) => setImmediate(r));
      }
      return promise;
    }

    beforeEach(() => {
      // setImmediate stays real: the input file is read with real I/O in between.
      clock = sinon.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      ({ dir, cleanup } = tempDir());
      api = new FakeBatches();
      logs = [];
      const input = join(dir, 'job.jsonl');
      writeJob(input, { count: 10 });
      const resultsPath = join(dir, 'job.results.jsonl');
      options = {
        inputPath: input,
        resultsPath,
        statePath: batchStatePath(resultsPath),
        client: api,
        pricing: new Pricing({ batch: true }),
        // 4 + 4 + 2: the first two batches hold as many requests as each other.
        limits: { maxRequests: 4, maxBytes: 1e9 },
        log: (line) => logs.push(line),
        // The top of each backoff range, so the waits are exact.
        createRetry: { random: () => 1 },
      };
    });
    afterEach(() => {
      clock.restore();
      cleanup();
    });

    for (const [what, error] of Object.entries(lost)) {
      it(`the answer lost (${what}) after the batch was made: that batch is recorded, nothing is sent again`, async () => {
        // The second batch is made, then its answer is lost; the first, recorded already, holds as
        // many requests and was made a moment before, and must not be taken for it.
        api.createFaults.set(2, { error: error(), processed: true });
        const outcome = await settle(submitBatches(options));
        assert.equal(api.batches.size, 3, 'one batch per chunk on the API');
        assert.equal(api.createCalls, 3, 'the lost create was not sent again');
        assert.deepEqual(idsInState(), ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
        const adopted = loadBatchState(options.statePath, options.inputPath).batches[1]!;
        assert.deepEqual(adopted.customIds, api.batches.get('msgbatch_2')!.entries.map((e) => e.custom_id));
        assert.deepEqual(adopted.counts, { processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
        assert.equal(adopted.submittedAt, api.batches.get('msgbatch_2')!.info.created_at);
        assert.deepEqual(outcome.submitted.map((b) => b.id), ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
        assert.ok(logs.some((l) => /got no answer .*msgbatch_2 \(4 requests, created .*\) is that batch/.test(l)), logs.join('\n'));

        const again = await settle(submitBatches(options));
        assert.equal(again.submitted.length, 0);
        assert.equal(again.skipped, 10);
        assert.equal(api.createCalls, 3, 'a second submit sends nothing');
      });
    }

    it('looks for the batch only after giving a create still under way time to land', async () => {
      api.createFaults.set(1, { error: lost['a timeout'](), processed: true });
      const submitting = submitBatches(options);
      await until(() => api.createCalls === 1);
      await clock.tickAsync(LOOK_AFTER_MS - 1);
      assert.equal(api.listCalls, 0);
      await clock.tickAsync(1);
      await until(() => api.listCalls === 1);
      await settle(submitting);
      assert.equal(api.createCalls, 3);
      assert.equal(api.batches.size, 3);
    });

    it('a refused create (529, 429 with retry-after, connection refused) made nothing, and is retried after the backoff', async () => {
      api.createFaults.set(1, { error: overloaded(), processed: false });
      api.createFaults.set(2, { error: new RateLimitError(429, apiError('rate_limit_error', 'slow down'), undefined, new Headers({ 'retry-after': '7' })), processed: false });
      api.createFaults.set(3, { error: new APIConnectionError({ cause: cause('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443') }), processed: false });
      const submitting = submitBatches(options);
      await until(() => api.createCalls === 1);
      // 529: exponential backoff, the first step of which is at most 1 s.
      await clock.tickAsync(999);
      assert.equal(api.createCalls, 1);
      await clock.tickAsync(1);
      await until(() => api.createCalls === 2);
      // 429: at least the 7 s the API asked for, plus its jitter (10%, here at its top: 700 ms).
      await clock.tickAsync(7_699);
      assert.equal(api.createCalls, 2);
      await clock.tickAsync(1);
      await until(() => api.createCalls === 3);
      // Connection refused: the third retry's step, at most 4 s.
      await clock.tickAsync(3_999);
      assert.equal(api.createCalls, 3);
      await clock.tickAsync(1);
      await settle(submitting);
      assert.equal(api.createCalls, 6, 'three refusals, then the three batches');
      assert.equal(api.listCalls, 0, 'a refusal made nothing, so there is nothing to look for');
      assert.deepEqual(idsInState(), ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
      assert.equal(logs.filter((l) => /was refused .*no batch was created, trying again/.test(l)).length, 3);
    });

    it('an uncertain create that made nothing: says it is safe, creates once more, and still one batch', async () => {
      api.createFaults.set(1, { error: lost['a connection reset after sending'](), processed: false });
      await settle(submitBatches(options));
      assert.equal(api.listCalls, 1);
      assert.equal(api.createCalls, 4, 'the lost create once more, then the other two');
      assert.equal(api.batches.size, 3);
      assert.deepEqual(idsInState(), ['msgbatch_1', 'msgbatch_2', 'msgbatch_3']);
      assert.deepEqual(loadBatchState(options.statePath, options.inputPath).batches[0]!.customIds, ['req-000000', 'req-000001', 'req-000002', 'req-000003']);
      assert.ok(logs.some((l) => /no batch of 4 requests was created since .*safe to send it again \(attempt 2 of 5\)/.test(l)), logs.join('\n'));
    });

    it('two batches that could be the lost one: stops, names both, and sends nothing more', async () => {
      // Someone else's batch of the same size, made a moment before ours.
      const theirs = api.add(Array.from({ length: 4 }, (_, i) => ({ custom_id: `other-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 1, messages: [] } })));
      await clock.tickAsync(5_000);
      api.createFaults.set(1, { error: lost['a 500'](), processed: true });
      const err = await settle(submitBatches(options)).catch((e: unknown) => e);
      assert.ok(err instanceof UncertainBatchCreateError, String(err));
      assert.deepEqual([...err.candidates].sort(), [theirs.id, 'msgbatch_2']);
      assert.match(err.message, /msgbatch_2, msgbatch_1|msgbatch_1, msgbatch_2/);
      assert.match(err.message, /floorline batch status/);
      assert.match(err.message, /Console/);
      assert.equal(api.createCalls, 1, 'nothing sent again');
      assert.deepEqual(idsInState(), [], 'neither is recorded as this file\'s');
    });

    it('a batch of the same size made well before our attempt is not taken for ours', async () => {
      api.add(Array.from({ length: 4 }, (_, i) => ({ custom_id: `old-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 1, messages: [] } })));
      await clock.tickAsync(CREATE_CLOCK_SKEW_MS + 1_000);
      api.createFaults.set(1, { error: lost['a connection reset after sending'](), processed: true });
      await settle(submitBatches(options));
      assert.deepEqual(idsInState(), ['msgbatch_2', 'msgbatch_3', 'msgbatch_4']);
      assert.equal(api.createCalls, 3);
    });

    it('when the list cannot be read after a lost answer, stops rather than sending again', async () => {
      api.createFaults.set(1, { error: lost['a timeout'](), processed: true });
      api.listError = new Error('socket hang up');
      const err = await settle(submitBatches(options)).catch((e: unknown) => e);
      assert.ok(err instanceof UncertainBatchCreateError, String(err));
      assert.match(err.message, /listing batches .* failed too \(socket hang up\)\. Nothing more was sent/);
      assert.equal(api.createCalls, 1);
    });

    it('a create the API rejects is not retried; refusals stop after five attempts', async () => {
      api.createFaults.set(1, { error: new BadRequestError(400, apiError('invalid_request_error', 'bad'), undefined, new Headers()), processed: false });
      await assert.rejects(settle(submitBatches(options)), BadRequestError);
      assert.equal(api.createCalls, 1);

      for (let call = 2; call <= 6; call++) api.createFaults.set(call, { error: overloaded(), processed: false });
      await assert.rejects(settle(submitBatches(options)), /was refused 5 times \(last: 529 overloaded_error: Overloaded\); no batch was created/);
      assert.equal(api.createCalls, 6);
      assert.equal(api.batches.size, 0);
    });
  });
});
