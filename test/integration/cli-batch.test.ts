// `floorline batch …` as a process with the real SDK against the mock's Message Batches endpoints:
// the results file matches a live run's shape at half the cost, a restart mid-poll loses nothing
// and submits nothing twice, cancel and expiry end up in the results.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockServer, type MockServer } from '../../src/simulator/mock-server';
import type { BatchOptions } from '../../src/simulator/batches';
import { readResults, tempDir, writeJob } from '../helpers/jsonl';
import { startCli, ROOT, type CliProcess } from '../helpers/cli-process';

const API_KEY = 'test-key-batches';
const MANY = 1_000_000_000;

function cli(args: string[]): CliProcess {
  return startCli(args, { ANTHROPIC_API_KEY: API_KEY });
}

describe('floorline batch (a real process, the real SDK, the mock Batches API)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let server: MockServer | undefined;

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function mock(batches: BatchOptions): Promise<MockServer> {
    server = await startMockServer({
      apiKey: API_KEY,
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY },
      latency: { baseMs: 20, perOutputTokenMs: 0, jitter: 0 },
      outputTokens: 20,
      batches,
    });
    return server;
  }

  it('yields a results file identical in shape to a live run, at half the cost', async () => {
    const s = await mock({ minMs: 100, maxMs: 800 });
    const live = join(dir, 'live.jsonl');
    const ids = writeJob(live, { count: 30 });
    const batched = join(dir, 'batched.jsonl');
    copyFileSync(live, batched);

    assert.equal((await cli(['run', live, '--base-url', s.url]).done).code, 0);
    const submit = await cli(['batch', 'submit', batched, '--base-url', s.url]).done;
    assert.equal(submit.code, 0, submit.stderr);
    assert.match(submit.stdout, /submitted msgbatch_\w+ \(30 requests\)/);
    const results = await cli(['batch', 'results', batched, '--base-url', s.url, '--poll-seconds', '1']).done;
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, /30 results written/);

    const liveLines = readResults(join(dir, 'live.results.jsonl'));
    const batchLines = readResults(join(dir, 'batched.results.jsonl'));
    assert.deepEqual(batchLines.map((l) => l.custom_id).sort(), ids);
    const byId = new Map(liveLines.map((l) => [l.custom_id, l]));
    for (const b of batchLines) {
      const l = byId.get(b.custom_id)!;
      assert.deepEqual(Object.keys(b).sort(), Object.keys(l).sort());
      assert.equal(b.result.type, 'succeeded');
      // The same tokens; only the service tier says how it was served.
      assert.deepEqual({ ...b.usage, service_tier: undefined }, { ...l.usage, service_tier: undefined });
      assert.equal((b.usage as { service_tier?: string }).service_tier, 'batch');
      assert.ok(Math.abs(b.cost_usd! - l.cost_usd! / 2) < 1e-12, `${b.custom_id}: ${b.cost_usd} vs live ${l.cost_usd}`);
    }
    assert.ok(Math.abs(s.stats().batchBilledUsd - liveLines.reduce((n, l) => n + l.cost_usd!, 0) / 2) < 1e-9);
  });

  it('killed mid-poll and restarted: nothing lost, nothing submitted twice', async () => {
    const s = await mock({ minMs: 1_000, maxMs: 4_000 });
    const input = join(dir, 'job.jsonl');
    const ids = writeJob(input, { count: 40 });
    assert.equal((await cli(['batch', 'submit', input, '--base-url', s.url]).done).code, 0);
    const status = await cli(['batch', 'status', input, '--base-url', s.url]).done;
    assert.equal(status.code, 5, 'still processing');
    assert.match(status.stdout, /in progress/);

    const first = cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']);
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    // Submitting again while the batch is still waiting sends nothing.
    const again = await cli(['batch', 'submit', input, '--base-url', s.url]).done;
    assert.match(again.stdout, /0 requests in 0 batches, 40 skipped/);

    const second = await cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']).done;
    assert.equal(second.code, 0, second.stderr);
    const lines = readResults(join(dir, 'job.results.jsonl'));
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), ids);
    assert.equal(s.stats().batchesCreated, 1);
    assert.equal(s.stats().batchRequests, 40);
    const state = JSON.parse(readFileSync(join(dir, 'job.batches.json'), 'utf8')) as { batches: Array<{ collected: boolean }> };
    assert.ok(state.batches.every((b) => b.collected));
  });

  it('cancel: what was not finished ends canceled in the results; a later submit sends only those', async () => {
    const s = await mock({ minMs: 50, maxMs: 20_000 });
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 30 });
    assert.equal((await cli(['batch', 'submit', input, '--base-url', s.url]).done).code, 0);
    // Cancel once a few have finished (the mock's stats bring its batches up to date when read).
    const deadline = Date.now() + 15_000;
    while (s.stats().batchSucceeded < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cancel = await cli(['batch', 'cancel', input, '--base-url', s.url]).done;
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /canceling msgbatch_/);
    const results = await cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']).done;
    assert.equal(results.code, 1, 'some requests were canceled');
    const lines = readResults(join(dir, 'job.results.jsonl'));
    const canceled = lines.filter((l) => l.result.type === 'canceled');
    assert.equal(lines.length, 30);
    assert.ok(canceled.length > 0 && canceled.length < 30, `${canceled.length} canceled`);
    assert.ok(canceled.every((l) => l.cost_usd === 0 && l.model === 'claude-haiku-4-5'));

    s.configure({ batches: { minMs: 50, maxMs: 200 } });
    const resubmit = await cli(['batch', 'submit', input, '--base-url', s.url]).done;
    assert.match(resubmit.stdout, new RegExp(`${canceled.length} request${canceled.length === 1 ? '' : 's'} in 1 batch\\b`));
    assert.equal((await cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']).done).code, 0);
    const final = readResults(join(dir, 'job.results.jsonl'));
    assert.equal(final.filter((l) => l.result.type === 'succeeded').length, 30);
  });

  it('expired requests are recorded as expired', async () => {
    const s = await mock({ minMs: 50, maxMs: 3_000, expiresAfterMs: 600 });
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 30 });
    assert.equal((await cli(['batch', 'submit', input, '--base-url', s.url]).done).code, 0);
    const results = await cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']).done;
    assert.equal(results.code, 1);
    const lines = readResults(join(dir, 'job.results.jsonl'));
    assert.equal(lines.length, 30);
    const expired = lines.filter((l) => l.result.type === 'expired');
    assert.ok(expired.length > 0, 'some did not finish in time');
    assert.deepEqual(expired[0]!.result, { type: 'expired' });
    assert.ok(existsSync(join(dir, 'job.batches.json')));
  });

  it('a create whose answer is lost is found, not sent again: one batch on the API, and it is the one recorded', async () => {
    // The mock makes the batch, then answers 504 instead of it; the SDK would have resent it.
    const s = await mock({ minMs: 50, maxMs: 300, loseCreateAnswers: 1 });
    const input = join(dir, 'job.jsonl');
    const ids = writeJob(input, { count: 20 });
    const submit = await cli(['batch', 'submit', input, '--base-url', s.url]).done;
    assert.equal(submit.code, 0, submit.stderr);
    assert.equal(s.batches().length, 1, 'exactly one batch was created');
    const only = s.batches()[0]!.id;
    assert.match(submit.stderr, new RegExp(`got no answer \\(504 timeout_error: .*\\), but ${only} \\(20 requests, created .*\\) is that batch`));
    assert.match(submit.stdout, new RegExp(`submitted ${only} \\(20 requests\\)`));
    const state = JSON.parse(readFileSync(join(dir, 'job.batches.json'), 'utf8')) as { batches: Array<{ id: string; customIds: string[] }> };
    assert.deepEqual(state.batches.map((b) => b.id), [only]);
    assert.deepEqual([...state.batches[0]!.customIds].sort(), ids);

    const again = await cli(['batch', 'submit', input, '--base-url', s.url]).done;
    assert.match(again.stdout, /0 requests in 0 batches, 20 skipped/);
    assert.equal(s.batches().length, 1);
    const results = await cli(['batch', 'results', input, '--base-url', s.url, '--poll-seconds', '1']).done;
    assert.equal(results.code, 0, results.stderr);
    assert.deepEqual(readResults(join(dir, 'job.results.jsonl')).map((l) => l.custom_id).sort(), ids);
  });

  it('a refused create (529) is retried after a backoff, and still makes one batch', async () => {
    const s = await mock({ minMs: 50, maxMs: 300, refuseCreates: 2 });
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 10 });
    const submit = await cli(['batch', 'submit', input, '--base-url', s.url]).done;
    assert.equal(submit.code, 0, submit.stderr);
    assert.equal(submit.stderr.match(/was refused \(529 overloaded_error: Overloaded\); no batch was created, trying again/g)?.length, 2, submit.stderr);
    assert.equal(s.batches().length, 1);
    const state = JSON.parse(readFileSync(join(dir, 'job.batches.json'), 'utf8')) as { batches: Array<{ id: string }> };
    assert.deepEqual(state.batches.map((b) => b.id), [s.batches()[0]!.id]);
  });
});
