import assert from 'node:assert/strict';
import { statusBarModel } from '../../../../src/extension/view-model/status-bar-model';
import type { DispatcherSnapshot, RunSnapshot } from '../../../../src/core/dispatch/snapshot';
import type { DimensionView } from '../../../../src/core/limits/quota-model';

function run(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'run-1', label: '/w/jobs.jsonl', priority: 'normal', state: 'running', detail: undefined, holdCause: undefined, inFlight: 8, total: 100, succeeded: 40, errored: 0, resumed: 0,
    unsent: 52, rateLimited: 0, overloaded: 0, retries: 0, requestsPerSecond: 4.2, etaSeconds: 14, recentErrors: [],
    spend: { spentUsd: 3.2, reservedUsd: 0.1, capUsd: 15 }, startedAt: 0, endedAt: undefined, ...overrides,
  };
}
const dim = (remaining: number, limit = 400_000): DimensionView => ({ limit, remaining, resetAt: 0, softFloor: limit * 0.1, hardFloor: limit * 0.02 });

function snapshot(overrides: Partial<DispatcherSnapshot> = {}, runs: RunSnapshot[] = [run()]): DispatcherSnapshot {
  return {
    at: 0, inFlight: 8, ceiling: 12, ceilingReason: '', hold: undefined, holdDetail: undefined, holdCause: undefined, retryBudget: { available: 30, perMinute: 30, ratio: 0.2 }, cooldownUntil: undefined,
    dimensions: { inputTokens: dim(1_900_000, 2_000_000), outputTokens: dim(41_000 * 5) }, runs, classes: [], tightestClass: undefined, ...overrides,
  };
}
const idleDaily = { spentUsd: 1.2, budgetUsd: 20, tokens: 12_000, tokenBudget: undefined };

describe('status bar model', () => {
  it('while running: in flight · remaining tokens · spent/cap', () => {
    const m = statusBarModel({ snapshots: [snapshot({ dimensions: { outputTokens: dim(41_000, 400_000 * 1) } })], daily: idleDaily });
    // 41k of 400k is just above the 40k soft floor × 1.2 = 48k → warning.
    assert.equal(m.text, '$(pulse) 8 · 41k · $3.20/$15.00');
    assert.equal(m.severity, 'warning');
    assert.match(m.tooltip, /jobs\.jsonl/);
    assert.match(m.tooltip, /output tokens 41k of 400k left/);
  });

  it('with two model classes: the tightest class in the text and named in the tooltip, each class listed', () => {
    const haiku = { modelClass: 'haiku', inFlight: 5, ceiling: 8, ceilingReason: '', cooldownUntil: undefined, dimensions: { outputTokens: dim(300_000) } };
    const sonnet = { modelClass: 'sonnet', inFlight: 3, ceiling: 4, ceilingReason: '', cooldownUntil: undefined, dimensions: { outputTokens: dim(41_000) } };
    const m = statusBarModel({ snapshots: [snapshot({ classes: [haiku, sonnet], tightestClass: 'sonnet', dimensions: sonnet.dimensions })], daily: idleDaily });
    assert.equal(m.text, '$(pulse) 8 · 41k · $3.20/$15.00');
    assert.match(m.tooltip, /Tightest: sonnet output tokens 41k of 400k left/);
    assert.match(m.tooltip, /- haiku: 5 in flight · output tokens 300k of 400k left\n- sonnet: 3 in flight · output tokens 41k of 400k left/);
  });

  it('is calm well above the floors and under 80% of the caps', () => {
    const m = statusBarModel({ snapshots: [snapshot({ dimensions: { outputTokens: dim(300_000) } })], daily: idleDaily });
    assert.equal(m.severity, 'ok');
  });

  it('warns at 80% of the run cap and errors when a cap is reached', () => {
    assert.equal(statusBarModel({ snapshots: [snapshot({ dimensions: {} }, [run({ spend: { spentUsd: 12, reservedUsd: 0.1, capUsd: 15 } })])], daily: idleDaily }).severity, 'warning');
    assert.equal(statusBarModel({ snapshots: [snapshot({ dimensions: {} }, [run({ spend: { spentUsd: 11.9, reservedUsd: 0, capUsd: 15 } })])], daily: idleDaily }).severity, 'ok');
    assert.equal(statusBarModel({ snapshots: [snapshot({ dimensions: {} }, [run({ state: 'budget-reached' })])], daily: idleDaily }).severity, 'error');
  });

  it('errors at the hard floor', () => {
    assert.equal(statusBarModel({ snapshots: [snapshot({ dimensions: { outputTokens: dim(8_000) } })], daily: idleDaily }).severity, 'error');
    assert.equal(statusBarModel({ snapshots: [snapshot({ hold: 'hard', dimensions: {} })], daily: idleDaily }).severity, 'error');
  });

  it('when idle shows today\'s spend against the daily budget, and its colour', () => {
    const finished = snapshot({}, [run({ state: 'finished', endedAt: 5 })]);
    const m = statusBarModel({ snapshots: [finished], daily: idleDaily });
    assert.equal(m.text, '$(pulse) $1.20/$20.00 today');
    assert.equal(m.severity, 'ok');
    assert.equal(statusBarModel({ snapshots: [], daily: { ...idleDaily, spentUsd: 17 } }).severity, 'warning');
    assert.equal(statusBarModel({ snapshots: [], daily: { ...idleDaily, spentUsd: 20 } }).severity, 'error');
    assert.equal(statusBarModel({ snapshots: [], daily: { spentUsd: 0.5, budgetUsd: undefined, tokens: 0, tokenBudget: undefined } }).text, '$(pulse) $0.500 today'); // three significant digits below $1 (formatUsd)
  });

  it('adds up several runs', () => {
    const m = statusBarModel({ snapshots: [snapshot({ dimensions: {} }, [run(), run({ id: 'run-2', label: '/w/b.jsonl', spend: { spentUsd: 1, reservedUsd: 0, capUsd: 5 } })])], daily: idleDaily });
    assert.equal(m.text, '$(pulse) 8 · $4.20/$20.00 (2 runs)');
  });

  it('marks a rehearsal\'s spend simulated, and leaves today\'s spend alone', () => {
    const rehearsal = { ...snapshot({ dimensions: {} }, [run({ spend: { spentUsd: 3.28, reservedUsd: 0, capUsd: undefined } })]), simulated: true };
    const m = statusBarModel({ snapshots: [rehearsal], daily: { spentUsd: 0, budgetUsd: undefined, tokens: 0, tokenBudget: undefined } });
    assert.equal(m.text, '$(beaker) 8 · $3.28 simulated');
    assert.match(m.tooltip, /jobs\.jsonl\*\* — running: 40\/100 · 4\.2 req\/s · ETA 14s · \$3\.28 simulated/);
    assert.match(m.tooltip, /Simulated — not real spend/);
    assert.match(m.tooltip, /Today \(UTC\): \$0\.00 · /, 'the day\'s spend is still nothing');
  });

  it('never adds a rehearsal\'s dollars to a real run\'s', () => {
    const real = snapshot({ dimensions: {} }, [run()]);
    const rehearsal = { ...snapshot({ dimensions: {}, inFlight: 2 }, [run({ id: 'run-2', label: '/w/sim.jsonl', spend: { spentUsd: 1, reservedUsd: 0, capUsd: undefined } })]), simulated: true };
    const m = statusBarModel({ snapshots: [real, rehearsal], daily: idleDaily });
    assert.equal(m.text, '$(pulse) 10 · $3.20/$15.00 · $1.00 simulated (2 runs)');
  });
});
