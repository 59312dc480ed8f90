import assert from 'node:assert/strict';
import type { RunSnapshot } from '../../../../src/core/dispatch/snapshot';
import type { ResultsTotals } from '../../../../src/core/results/result-rows';
import { batchItems, liveRunItem, pastRunItem, spendText, type TotalsState } from '../../../../src/extension/view-model/runs-tree-model';

const NOW = Date.parse('2026-11-24T12:00:00Z');

function run(partial: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'run-1', label: 'data/jobs.jsonl', priority: 'normal', state: 'running', detail: undefined, holdCause: undefined,
    inFlight: 3, total: 1_000, succeeded: 400, errored: 12, resumed: 0, unsent: 0,
    rateLimited: 0, overloaded: 0, retries: 0, requestsPerSecond: 2.4, etaSeconds: 125,
    spend: { spentUsd: 3.28, reservedUsd: 0, capUsd: 10 }, recentErrors: [], startedAt: NOW - 60_000, endedAt: undefined,
    ...partial,
  };
}

function totals(partial: Partial<ResultsTotals> = {}): ResultsTotals {
  return {
    rows: 1_000, succeeded: 990, errored: 10, canceled: 0, expired: 0, costUsd: 3.28,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, latencyP50Ms: null, latencyP95Ms: null,
    models: [], simulatedRows: 0, unreadable: 0, unreadableLines: [], partialTail: false, bytes: 1,
    ...partial,
  };
}

const ready = (t: ResultsTotals): TotalsState => ({ state: 'ready', totals: t });
const flags = (contextValue: string) => contextValue.split(' ').sort();

describe('runs tree model: live runs', () => {
  it('shows state, progress "412/1,000" and spend, with the controls that apply', () => {
    const item = liveRunItem({ run: run(), simulated: false });
    assert.equal(item.label, 'jobs.jsonl');
    assert.equal(item.description, 'running · 412/1,000 · $3.28');
    assert.deepEqual(flags(item.contextValue), ['canPause', 'canStop', 'liveRun']);
    assert.match(item.tooltip, /\*\*data\/jobs\.jsonl\*\* — running/);
    assert.match(item.tooltip, /Spend: \$3\.28 of \$10\.00/);
    assert.doesNotMatch(item.tooltip, /Simulated/);
  });

  it('a paused run can be resumed and stopped, not paused', () => {
    assert.deepEqual(flags(liveRunItem({ run: run({ state: 'paused' }), simulated: false }).contextValue), ['canResume', 'canStop', 'liveRun']);
    assert.deepEqual(flags(liveRunItem({ run: run({ state: 'stopping' }), simulated: false }).contextValue), ['liveRun']);
  });

  it('a rehearsal says simulated beside its money, never as real spend', () => {
    const item = liveRunItem({ run: run({ spend: { spentUsd: 3.28, reservedUsd: 0, capUsd: undefined } }), simulated: true });
    assert.equal(item.description, 'running · 412/1,000 · $3.28 simulated');
    assert.match(item.tooltip, /Spend: \$3\.28 simulated/);
    assert.match(item.tooltip, /Simulated — not real spend/);
    assert.ok(flags(item.contextValue).includes('simulated'));
  });
});

describe('runs tree model: past runs (results files)', () => {
  it('shows "…" while the file is counted', () => {
    const item = pastRunItem({ resultsPath: '/w/jobs.results.jsonl', label: 'jobs.results.jsonl', inputPath: '/w/jobs.jsonl', totals: { state: 'counting' } });
    assert.equal(item.description, '…');
    assert.match(item.tooltip, /Counting…/);
    assert.deepEqual(flags(item.contextValue), ['hasInput', 'pastRun'], 'no re-run errored before the errors are known');
  });

  it('shows the totals: succeeded, errored, spend; re-run errored only when some errored', () => {
    const item = pastRunItem({ resultsPath: '/w/jobs.results.jsonl', label: 'jobs.results.jsonl', inputPath: '/w/jobs.jsonl', totals: ready(totals()) });
    assert.equal(item.label, 'jobs.results.jsonl');
    assert.equal(item.description, '990 succeeded · 10 errored · $3.28');
    assert.deepEqual(flags(item.contextValue), ['hasErrored', 'hasInput', 'pastRun']);
    assert.match(item.tooltip, /1,000 results: 990 succeeded · 10 errored/);
    assert.match(item.tooltip, /Input: jobs\.jsonl/);
    const clean = pastRunItem({ resultsPath: '/w/jobs.results.jsonl', label: 'jobs.results.jsonl', inputPath: '/w/jobs.jsonl', totals: ready(totals({ succeeded: 1_000, errored: 0 })) });
    assert.equal(clean.description, '1,000 succeeded · $3.28');
    assert.deepEqual(flags(clean.contextValue), ['hasInput', 'pastRun']);
  });

  it('without its input it cannot be run again (no hasInput)', () => {
    const item = pastRunItem({ resultsPath: '/w/out.results.jsonl', label: 'out.results.jsonl', inputPath: undefined, totals: ready(totals()) });
    assert.deepEqual(flags(item.contextValue), ['hasErrored', 'pastRun']);
    assert.match(item.tooltip, /Input: not found/);
  });

  it('marks a rehearsal file simulated, by its name or by its rows', () => {
    const byName = pastRunItem({ resultsPath: '/w/jobs.simulated.results.jsonl', label: 'jobs.simulated.results.jsonl', inputPath: '/w/jobs.jsonl', totals: ready(totals()) });
    assert.equal(byName.description, '990 succeeded · 10 errored · $3.28 simulated');
    assert.match(byName.tooltip, /Simulated — not real spend/);
    assert.ok(flags(byName.contextValue).includes('simulated'));
    assert.equal(byName.icon, 'beaker');
    const counting = pastRunItem({ resultsPath: '/w/jobs.simulated.results.jsonl', label: 'x', inputPath: undefined, totals: { state: 'counting' } });
    assert.equal(counting.description, '… · simulated');
    const byRows = pastRunItem({ resultsPath: '/w/custom.results.jsonl', label: 'x', inputPath: undefined, totals: ready(totals({ simulatedRows: 5 })) });
    assert.match(byRows.description, /\$3\.28 simulated$/);
  });

  it('says when the file cannot be read', () => {
    const item = pastRunItem({ resultsPath: '/w/jobs.results.jsonl', label: 'x', inputPath: undefined, totals: { state: 'error', message: 'EACCES' } });
    assert.equal(item.description, 'unreadable');
    assert.match(item.tooltip, /EACCES/);
  });

  it('gives each item a distinct id', () => {
    const a = pastRunItem({ resultsPath: '/w/a.results.jsonl', label: 'a', inputPath: undefined, totals: { state: 'counting' } });
    const b = pastRunItem({ resultsPath: '/w/b.results.jsonl', label: 'a', inputPath: undefined, totals: { state: 'counting' } });
    assert.notEqual(a.id, b.id);
    assert.notEqual(liveRunItem({ run: run(), simulated: false }).id, a.id);
  });
});

describe('runs tree model: batches', () => {
  it('one item per file with done/total, counts and expiry in batch-status\'s words', () => {
    const [item] = batchItems([{ name: 'jobs.jsonl', batches: 2, processing: 10, succeeded: 85, errored: 5, canceled: 0, expired: 0, expiresAt: new Date(NOW + 20 * 3_600_000).toISOString(), ended: false }], NOW);
    assert.ok(item);
    assert.equal(item.label, 'jobs.jsonl');
    assert.match(item.description, /^90\/100 · 2 batches · 10 processing · 85 succeeded · 5 errored/);
    assert.match(item.description, /expires in 20 h$/);
    assert.equal(item.icon, 'package');
    assert.equal(item.contextValue, 'batch');
  });
});

describe('spendText', () => {
  it('marks a rehearsal\'s dollars', () => {
    assert.equal(spendText(3.28, false), '$3.28');
    assert.equal(spendText(3.28, true), '$3.28 simulated');
  });
});
