import assert from 'node:assert/strict';
import { parseCommand } from '../../src/cli/args';
import { progressBar, progressLine, summaryLines } from '../../src/cli/progress';
import type { DispatcherSnapshot, RunSnapshot } from '../../src/core/dispatch/snapshot';

describe('CLI arguments', () => {
  const env = {};
  it('parses a full run command', () => {
    const c = parseCommand(
      ['run', 'jobs.jsonl', '--out', 'r.jsonl', '--model', 'claude-haiku-4-5', '--max-tokens', '512', '--max-in-flight', '12', '--soft-floor', '15%', '--hard-floor', '5000',
        '--max-spend-usd', '2.50', '--max-attempts', '3', '--retry-budget-per-minute', '10', '--priority', 'background', '--tier', 'build', '--price', 'my-model=1,5'],
      env,
    );
    assert.equal(c.kind, 'run');
    if (c.kind !== 'run') return;
    const a = c.args;
    assert.equal(a.file, 'jobs.jsonl');
    assert.equal(a.out, 'r.jsonl');
    assert.equal(a.maxTokens, 512);
    assert.equal(a.maxInFlight, 12);
    assert.deepEqual(a.softFloor, { percent: 15 });
    assert.deepEqual(a.hardFloor, { tokens: 5000 });
    assert.equal(a.maxSpendUsd, 2.5);
    assert.equal(a.maxAttempts, 3);
    assert.equal(a.retryBudgetPerMinute, 10);
    assert.equal(a.priority, 'background');
    assert.equal(a.tier, 'build');
    assert.deepEqual(a.prices['my-model'], { input: 1, output: 5, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 });
    assert.equal(a.simulate, undefined);
  });

  it('takes --simulate with or without a tier, and the base URL from the environment', () => {
    const bare = parseCommand(['run', 'a.jsonl', '--simulate'], { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' });
    assert.ok(bare.kind === 'run' && bare.args.simulate === 'start' && bare.args.baseUrl === 'http://127.0.0.1:9');
    const scale = parseCommand(['run', '--simulate', 'scale', 'a.jsonl'], env);
    assert.ok(scale.kind === 'run' && scale.args.simulate === 'scale' && scale.args.file === 'a.jsonl');
    assert.ok(scale.kind === 'run' && scale.args.maxInFlight === 'auto');
  });

  it('rejects bad values with a message naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', 'a.jsonl', '--max-tokens', '0'], /--max-tokens must be a positive whole number/],
      [['run', 'a.jsonl', '--soft-floor', 'lots'], /--soft-floor/],
      [['run', 'a.jsonl', '--max-spend-usd', '-1'], /--max-spend-usd/],
      [['run', 'a.jsonl', '--priority', 'urgent'], /--priority/],
      [['run', 'a.jsonl', '--price', 'x=1'], /--price/],
      [['run', 'a.jsonl', '--bogus'], /bogus/],
      [['walk', 'a.jsonl'], /unknown command 'walk'/],
      [['run'], /needs a FILE/],
    ];
    for (const [argv, message] of cases) {
      const c = parseCommand(argv, env);
      assert.equal(c.kind, 'error', argv.join(' '));
      if (c.kind === 'error') assert.match(c.message, message);
    }
  });

  it('shows help', () => {
    assert.equal(parseCommand(['--help'], env).kind, 'help');
    assert.equal(parseCommand([], env).kind, 'help');
  });
});

describe('CLI progress', () => {
  const run: RunSnapshot = {
    id: 'run-1', label: 'jobs.jsonl', priority: 'normal', state: 'holding', detail: 'holding at soft floor', inFlight: 8, total: 2000, succeeded: 400, errored: 12,
    resumed: 0, unsent: 1580, rateLimited: 1, overloaded: 0, retries: 3, requestsPerSecond: 9.84, etaSeconds: 161, recentErrors: [],
    spend: { spentUsd: 3.2, reservedUsd: 0.4, capUsd: 15 }, startedAt: 0, endedAt: undefined,
  };
  const snapshot: DispatcherSnapshot = {
    at: 0, inFlight: 8, ceiling: 12, ceilingReason: '', hold: 'soft', holdDetail: undefined, retryBudget: { available: 30, perMinute: 30 }, cooldownUntil: undefined,
    dimensions: {
      inputTokens: { limit: 2_000_000, remaining: 1_500_000, resetAt: 0, softFloor: 200_000, hardFloor: 40_000 },
      outputTokens: { limit: 400_000, remaining: 41_000, resetAt: 0, softFloor: 40_000, hardFloor: 8_000 },
    },
    runs: [run],
  };
  it('shows done/total, in flight, the tightest bucket, spend, rate, ETA, 429s and the state', () => {
    const line = progressLine(snapshot, run);
    assert.equal(line, 'floorline: 412/2000 (12 errored), 8/12 in flight, 41k/400k output tokens left, $3.20/$15.00, 9.8/s, ETA 2m41s, 1×429, 3 retries, holding at soft floor');
    const bar = progressBar(snapshot, run, 200);
    assert.match(bar, /^█+░+ 412\/2000/);
    assert.ok(progressBar(snapshot, run, 60).length <= 59, 'fits the terminal');
  });
  it('summarises the end', () => {
    const lines = summaryLines({ ...run, state: 'budget-reached', detail: 'the next request would cross the $15.00 cap; 1580 lines left unsent' }, 'jobs.results.jsonl', 125);
    assert.equal(lines[0], 'budget reached: 400 succeeded, 12 errored, 1580 unsent');
    assert.match(lines[1]!, /1580 lines left unsent/);
    assert.equal(lines.at(-1), 'results: jobs.results.jsonl');
  });
});
