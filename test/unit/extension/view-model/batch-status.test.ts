import assert from 'node:assert/strict';
import { batchRows, batchStatusModel, type BatchStatusInput } from '../../../../src/extension/view-model/batch-status';
import { toDashboardModel } from '../../../../src/extension/view-model/dashboard-model';
import { parseCommand } from '../../../../src/cli/args';

const job = (over: Partial<BatchStatusInput> = {}): BatchStatusInput => ({
  name: 'jobs.jsonl', batches: 2, processing: 300, succeeded: 90, errored: 8, canceled: 0, expired: 2, expiresAt: '2026-11-25T12:00:00Z', ended: false, ...over,
});

describe('batch status bar model', () => {
  it('is empty (hidden) when nothing is being polled or everything has ended', () => {
    assert.equal(batchStatusModel([], 0).text, '');
    assert.equal(batchStatusModel([job({ ended: true })], 0).text, '');
  });

  it('counts what is done against the whole, per file in the tooltip, with the expiry', () => {
    const m = batchStatusModel([job(), job({ name: 'b.jsonl', batches: 1, processing: 0, succeeded: 100, errored: 0, expired: 0 }), job({ ended: true })], Date.parse('2026-11-24T12:00:00Z'));
    assert.equal(m.text, '$(package) 200/500 batched');
    assert.match(m.tooltip, /\*\*jobs\.jsonl\*\* — 2 batches: 300 processing, 90 succeeded, 8 errored, 0 canceled, 2 expired; expires in 24 h/);
    assert.match(m.tooltip, /\*\*b\.jsonl\*\* — 1 batch:/);
  });
});

describe('floorline batch arguments', () => {
  it('parses each action with its options', () => {
    const c = parseCommand(['batch', 'results', 'jobs.jsonl', '--no-wait', '--poll-seconds', '2', '--out', 'r.jsonl', '--price', 'm=1,5'], {});
    assert.equal(c.kind, 'batch');
    if (c.kind !== 'batch') return;
    assert.equal(c.args.action, 'results');
    assert.equal(c.args.file, 'jobs.jsonl');
    assert.equal(c.args.wait, false);
    assert.equal(c.args.pollSeconds, 2);
    assert.equal(c.args.out, 'r.jsonl');
    assert.equal(c.args.prices.m?.output, 5);
    const submit = parseCommand(['batch', 'submit', 'a.jsonl'], { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' });
    assert.equal(submit.kind === 'batch' && submit.args.baseUrl, 'http://127.0.0.1:9');
  });

  it('rejects an unknown action, a missing file and stray arguments; --help shows the batch usage', () => {
    assert.match((parseCommand(['batch', 'launch', 'a.jsonl'], {}) as { message: string }).message, /submit, status, results or cancel/);
    assert.match((parseCommand(['batch', 'status'], {}) as { message: string }).message, /missing required argument 'FILE'/);
    assert.equal(parseCommand(['batch', 'cancel', 'a.jsonl', 'b.jsonl'], {}).kind, 'error');
    assert.deepEqual(parseCommand(['batch', '--help'], {}), { kind: 'help', topic: 'batch' });
  });
});

describe('dashboard batch rows', () => {
  it('shows each file with done of total and its counts; ended ones say their results are written', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const [open, ended] = batchRows([job(), job({ name: 'b.jsonl', batches: 1, processing: 0, succeeded: 100, errored: 0, expired: 0, ended: true })], now);
    assert.deepEqual({ done: open!.done, total: open!.total, ended: open!.ended }, { done: 100, total: 400, ended: false });
    assert.equal(open!.detail, '2 batches · 300 processing · 90 succeeded · 8 errored · 0 canceled · 2 expired · expires in 24 h');
    assert.equal(ended!.detail, 'ended — results written · 1 batch · 100 succeeded · 0 errored · 0 canceled · 0 expired');
    const model = toDashboardModel({ snapshots: [], daily: { spentUsd: 0, tokens: 0 }, history: [], batches: [job()], now });
    assert.equal(model.batches.length, 1);
    assert.equal(toDashboardModel({ snapshots: [], daily: { spentUsd: 0, tokens: 0 }, history: [], now }).batches.length, 0);
  });
});
