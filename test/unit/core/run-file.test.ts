import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem, noRequestsMessage, readRequests } from '../../../src/core/input';
import type { ExactIdMap } from '../../../src/core/input/id-set';
import { Pricing } from '../../../src/core/pricing/pricing';
import { prepareRunFile } from '../../../src/core/run-file';

const line = (model: string, text = 'hi'): string => JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: text }] });

describe('prepareRunFile: an unknown model under a spend cap', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-run-file-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the first line that uses the model, not line 0', async () => {
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, [line('claude-haiku-4-5'), '', line('claude-haiku-4-5', 'b'), line('my-model', 'c'), line('my-model', 'd'), line('other-model', 'e')].join('\n') + '\n');
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing(), maxSpendUsd: 5 });
    assert.equal(prepared.ok, false);
    const errors = prepared.ok ? [] : prepared.problems.filter((p) => p.severity === 'error').map(formatProblem);
    assert.deepEqual(errors, [
      `${file}:4: model 'my-model' has no known price, so a spend cap cannot be enforced for it — give its price with --price my-model=INPUT,OUTPUT (USD per million tokens)`,
      `${file}:6: model 'other-model' has no known price, so a spend cap cannot be enforced for it — give its price with --price other-model=INPUT,OUTPUT (USD per million tokens)`,
    ]);
  });

  it('without a cap the unknown model is only the scan warning, on the same first line', async () => {
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, [line('claude-haiku-4-5'), line('my-model', 'b')].join('\n') + '\n');
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing() });
    assert.ok(prepared.ok);
    assert.deepEqual(prepared.warnings.map((p) => [p.line, p.severity]), [[2, 'warning']]);
  });
});

describe('noRequestsMessage (the CLI and the extension, for an empty or blank-only file)', () => {
  it('says the file has no requests, as an error to act on, and names no results file', () => {
    assert.equal(noRequestsMessage('jobs.jsonl'), 'jobs.jsonl has no requests (empty or only blank lines); nothing to do');
  });

  it('is what prepareRunFile leaves for a blank-only file: no requests, nothing to send', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-run-file-'));
    try {
      const file = path.join(dir, 'blank.jsonl');
      fs.writeFileSync(file, '\n  \n\t\n');
      const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing() });
      assert.ok(prepared.ok);
      assert.deepEqual([prepared.scan.requests, prepared.toSend, fs.existsSync(prepared.outPath)], [0, 0, false]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('prepareRunFile: deprecated and retired models, said once before anything is sent', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-run-file-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const now = new Date('2026-12-02T10:00:00Z');

  function write(models: string[]): string {
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, models.map((m, i) => line(m, `q${i}`)).join('\n') + '\n');
    return file;
  }

  it('a deprecated model is one warning on its first line, counting its lines, with the last day it answers', async () => {
    const file = write(['claude-haiku-4-5', 'claude-opus-4-5', 'claude-opus-4-5-20251101', 'claude-opus-4-5']);
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing(), now });
    assert.ok(prepared.ok);
    assert.deepEqual(prepared.warnings.map(formatProblem), [
      `${file}:2: warning: model 'claude-opus-4-5' is deprecated: it stops answering after 22 Jan 2027 (2 lines use it) — move to a newer model before then`,
      `${file}:3: warning: model 'claude-opus-4-5-20251101' is deprecated: it stops answering after 22 Jan 2027 (1 line uses it) — move to a newer model before then`,
    ]);
  });

  it('a retired model is an error under a real key: nothing is sent', async () => {
    const file = write(['claude-haiku-4-5', 'claude-sonnet-4-5']);
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing(), now });
    assert.equal(prepared.ok, false);
    assert.deepEqual(prepared.ok ? [] : prepared.problems.map(formatProblem), [
      `${file}:2: model 'claude-sonnet-4-5' was retired after 30 Nov 2026: the API answers 404 not_found_error to every request for it (1 line uses it); nothing was sent — move to a current model`,
    ]);
    assert.equal(fs.existsSync(path.join(dir, 'jobs.results.jsonl')), false, 'no results file is touched');
  });

  it('a rehearsal of a retired model goes on, with the warning', async () => {
    const file = write(['claude-sonnet-4-5']);
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing(), now, simulated: true });
    assert.ok(prepared.ok);
    assert.equal(prepared.warnings.length, 1);
    assert.match(formatProblem(prepared.warnings[0]!), /:1: warning: model 'claude-sonnet-4-5' was retired after 30 Nov 2026: .*this rehearsal goes on, but a real run would be refused/);
  });

  it('current models and models named like object built-ins raise nothing', async () => {
    const file = write(['claude-haiku-4-5', 'claude-opus-5']);
    const prepared = await prepareRunFile({ inputPath: file, pricing: new Pricing(), now });
    assert.ok(prepared.ok);
    assert.deepEqual(prepared.warnings, []);
  });
});

describe('prepareRunFile: what a resume leaves to send, checked by one fingerprint digest', () => {
  let dir: string;
  let input: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-run-file-'));
    input = path.join(dir, 'jobs.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Answers for `ids` as the writer records them: with the fingerprint of the input line of each id, or none (an older file). */
  async function answer(ids: string[], options: { fingerprints?: boolean; extra?: string[] } = {}): Promise<void> {
    const requests = new Map<string, string>();
    for await (const r of readRequests(input, {})) requests.set(r.customId, r.fingerprint!);
    const lines = [...ids, ...(options.extra ?? [])].map((id) =>
      JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: {} }, cost_usd: 0.001, ...(options.fingerprints === false || !requests.has(id) ? {} : { fingerprint: requests.get(id) }) }),
    );
    fs.writeFileSync(path.join(dir, 'jobs.results.jsonl'), lines.join('\n') + '\n');
  }

  const body = (text: string): string => line('claude-haiku-4-5', text);

  it('trusts an unchanged input from the digest alone: no fingerprint per id is kept, and only the unanswered lines are left', async () => {
    fs.writeFileSync(input, [body('a'), body('b'), body('c'), body('d')].join('\n') + '\n');
    await answer(['line-1', 'line-3']);
    const prepared = await prepareRunFile({ inputPath: input, pricing: new Pricing() });
    assert.ok(prepared.ok);
    assert.equal(prepared.toSend, 2);
    assert.equal(prepared.toSendTotals.byModel['claude-haiku-4-5'], 2);
    const succeeded = prepared.resume.succeeded as ExactIdMap;
    assert.deepEqual([...succeeded], ['line-1', 'line-3']);
    assert.equal(succeeded.numbers().size, 0, 'the set holds no fingerprints: the digest sufficed');
  });

  it('finds the one changed line id by id when the digests differ, and sends nothing', async () => {
    fs.writeFileSync(input, [body('a'), body('b'), body('c')].join('\n') + '\n');
    await answer(['line-1', 'line-2', 'line-3']);
    fs.writeFileSync(input, [body('a'), body('B, edited'), body('c')].join('\n') + '\n');
    const prepared = await prepareRunFile({ inputPath: input, pricing: new Pricing() });
    assert.equal(prepared.ok, false);
    const errors = prepared.ok ? [] : prepared.problems.filter((p) => p.severity === 'error');
    assert.deepEqual(errors.map((p) => [p.line, /'line-2' is not the request/.test(p.message)]), [[2, true]]);

    const resend = await prepareRunFile({ inputPath: input, pricing: new Pricing(), resendChanged: true });
    assert.ok(resend.ok);
    assert.deepEqual([resend.toSend, [...resend.resendIds]], [1, ['line-2']]);
  });

  it('still resumes an older results file that recorded no fingerprints, and one answering ids the input no longer has', async () => {
    fs.writeFileSync(input, [body('a'), body('b'), body('c')].join('\n') + '\n');
    await answer(['line-2'], { fingerprints: false });
    const older = await prepareRunFile({ inputPath: input, pricing: new Pricing() });
    assert.ok(older.ok);
    assert.deepEqual([older.toSend, older.resume.succeeded.has('line-2')], [2, true]);

    await answer(['line-1'], { extra: ['gone-1'] });
    const fewer = await prepareRunFile({ inputPath: input, pricing: new Pricing() });
    assert.ok(fewer.ok);
    assert.equal(fewer.toSend, 2);
  });
});
