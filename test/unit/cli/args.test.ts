import assert from 'node:assert/strict';
import { parseCommand } from '../../../src/cli/args';
import { progressBar, progressLine, summaryLines } from '../../../src/cli/progress';
import type { DispatcherSnapshot, RunSnapshot } from '../../../src/core/dispatch/snapshot';

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

  it('takes a word after --simulate as its tier only when it is a tier name, wherever FILE is', () => {
    const cases: Array<[string[], string]> = [
      [['run', '--simulate', 'a.jsonl'], 'start'],
      [['run', 'a.jsonl', '--simulate'], 'start'],
      [['run', 'a.jsonl', '--simulate', 'build'], 'build'],
      [['run', '--simulate', 'build', 'a.jsonl'], 'build'],
      [['run', '--simulate', 'Scale', 'a.jsonl'], 'scale'],
      [['run', 'a.jsonl', '--simulate=scale'], 'scale'],
      [['run', '--simulate', '--verbose', 'a.jsonl'], 'start'],
    ];
    for (const [argv, tier] of cases) {
      const c = parseCommand(argv, env);
      assert.ok(c.kind === 'run', argv.join(' '));
      assert.equal(c.args.file, 'a.jsonl', argv.join(' '));
      assert.equal(c.args.simulate, tier, argv.join(' '));
    }
  });

  it('fills the documented defaults, leaving unset floors undefined for the run to resolve', () => {
    const c = parseCommand(['run', 'a.jsonl'], env);
    assert.ok(c.kind === 'run');
    assert.deepEqual(c.args, {
      file: 'a.jsonl', out: undefined, model: undefined, maxTokens: 1024, maxInFlight: 'auto', maxInFlightCap: 1000, softFloor: undefined, hardFloor: undefined,
      maxSpendUsd: undefined, maxAttempts: 5, retryBudgetPerMinute: 30, maxShare: undefined, fallback: {}, fallbackAfterSeconds: 5, priority: 'normal', tier: undefined, prices: {}, simulate: undefined, baseUrl: undefined,
      redisUrl: undefined, redisFallback: 'hold', participant: undefined, verbose: false, resendChanged: false,
    });
  });

  it('takes repeated --price, --max-in-flight auto or N, a zero retry budget, and --base-url over the environment', () => {
    const c = parseCommand(
      ['run', 'a.jsonl', '--price', 'a=1,2', '--price', 'b=3,4,5,6,0.5', '--max-in-flight', 'AUTO', '--retry-budget-per-minute', '0', '--base-url', 'http://x', '--verbose'],
      { ANTHROPIC_BASE_URL: 'http://from-env' },
    );
    assert.ok(c.kind === 'run');
    assert.deepEqual(Object.keys(c.args.prices), ['a', 'b']);
    assert.deepEqual(c.args.prices.b, { input: 3, output: 4, cacheWrite5m: 5, cacheWrite1h: 6, cacheRead: 0.5 });
    assert.equal(c.args.maxInFlight, 'auto');
    assert.equal(c.args.retryBudgetPerMinute, 0);
    assert.equal(c.args.baseUrl, 'http://x');
    assert.equal(c.args.verbose, true);
    const chains = parseCommand(['run', 'a.jsonl', '--fallback', 'claude-opus-4-7=claude-sonnet-4-6, claude-haiku-4-5', '--fallback', '__proto__=x', '--fallback-after', '500ms'], env);
    assert.ok(chains.kind === 'run');
    assert.deepEqual(chains.args.fallback['claude-opus-4-7'], ['claude-sonnet-4-6', 'claude-haiku-4-5']);
    assert.ok(Object.hasOwn(chains.args.fallback, '__proto__'), 'a hostile model name stays a plain key');
    assert.equal(chains.args.fallbackAfterSeconds, 0.5);
    const shared = parseCommand(['run', 'a.jsonl', '--max-share', '30%'], env);
    assert.ok(shared.kind === 'run' && shared.args.maxShare === 30);
    for (const bad of ['0', '101%', 'half']) {
      const r = parseCommand(['run', 'a.jsonl', '--max-share', bad], env);
      assert.ok(r.kind === 'error' && r.message.startsWith('--max-share takes a percent'), bad);
    }
    for (const bad of [['--fallback', 'claude-opus-4-7'], ['--fallback', 'a=a'], ['--fallback', 'a=b,,c'], ['--fallback-after', 'soon']]) {
      const r = parseCommand(['run', 'a.jsonl', ...bad], env);
      assert.ok(r.kind === 'error' && /^--fallback(-after)? takes /.test(r.message), `${bad.join(' ')}: ${JSON.stringify(r)}`);
    }
    const eight = parseCommand(['run', 'a.jsonl', '--max-in-flight=8', '--max-spend-usd', '.5'], env);
    assert.ok(eight.kind === 'run' && eight.args.maxInFlight === 8 && eight.args.maxSpendUsd === 0.5);
  });

  it('parses every batch action, with its own options only', () => {
    for (const action of ['submit', 'status', 'results', 'cancel'] as const) {
      const c = parseCommand(['batch', action, 'a.jsonl', '--out', 'r.jsonl'], env);
      assert.ok(c.kind === 'batch', action);
      assert.deepEqual(c.args, { action, file: 'a.jsonl', out: 'r.jsonl', model: undefined, maxTokens: action === 'submit' || action === 'results' ? 1024 : undefined, prices: {}, baseUrl: undefined, wait: true, pollSeconds: 5 });
    }
    const submit = parseCommand(['batch', 'submit', 'a.jsonl', '--model', 'm', '--max-tokens', '9'], env);
    assert.ok(submit.kind === 'batch' && submit.args.model === 'm' && submit.args.maxTokens === 9);
    const status = parseCommand(['batch', 'status', 'a.jsonl', '--no-wait'], env);
    assert.ok(status.kind === 'error' && /unknown option '--no-wait'/.test(status.message) && status.topic === 'batch status');
  });

  it('takes --participant, else $FLOORLINE_PARTICIPANT', () => {
    const given = parseCommand(['run', 'a.jsonl', '--participant', ' nightly@ci '], env);
    assert.ok(given.kind === 'run');
    assert.equal(given.args.participant, 'nightly@ci');
    const fromEnv = parseCommand(['run', 'a.jsonl'], { FLOORLINE_PARTICIPANT: 'cron' });
    assert.ok(fromEnv.kind === 'run');
    assert.equal(fromEnv.args.participant, 'cron');
  });

  it('rejects bad values with a message naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', 'a.jsonl', '--max-tokens', '0'], /--max-tokens must be a positive whole number/],
      [['run', 'a.jsonl', '--soft-floor', 'lots'], /--soft-floor/],
      [['run', 'a.jsonl', '--max-spend-usd', '-1'], /--max-spend-usd/],
      [['run', 'a.jsonl', '--priority', 'urgent'], /--priority/],
      [['run', 'a.jsonl', '--price', 'x=1'], /--price/],
      [['run', 'a.jsonl', '--bogus'], /bogus/],
      [['run', 'a.jsonl', '--participant', '  '], /--participant takes a name of 1 to 100 characters/],
      [['walk', 'a.jsonl'], /unknown command 'walk'/],
      [['run'], /missing required argument 'FILE'/],
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
    assert.deepEqual(parseCommand(['run', '--help'], env), { kind: 'help', topic: 'run' });
    assert.deepEqual(parseCommand(['help', 'run'], env), { kind: 'help', topic: 'run' });
    assert.deepEqual(parseCommand(['batch', 'submit', '-h'], env), { kind: 'help', topic: 'batch submit' });
  });
});

describe('CLI progress', () => {
  const run: RunSnapshot = {
    id: 'run-1', label: 'jobs.jsonl', priority: 'normal', state: 'holding', detail: 'holding at soft floor', holdCause: undefined, inFlight: 8, total: 2000, succeeded: 400, errored: 12,
    resumed: 0, unsent: 1580, rateLimited: 1, overloaded: 0, retries: 3, requestsPerSecond: 9.84, etaSeconds: 161, recentErrors: [],
    spend: { spentUsd: 3.2, reservedUsd: 0.4, capUsd: 15 }, startedAt: 0, endedAt: undefined,
  };
  const snapshot: DispatcherSnapshot = {
    at: 0, inFlight: 8, ceiling: 12, ceilingReason: '', hold: 'soft', holdDetail: undefined, holdCause: undefined, retryBudget: { available: 30, perMinute: 30, ratio: 0.2 }, cooldownUntil: undefined, classes: [], tightestClass: undefined,
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
  it('with two model classes: the tightest class named on the progress line, each class in the summary', () => {
    const view = (remaining: number, limit: number) => ({ limit, remaining, resetAt: 0, softFloor: limit * 0.1, hardFloor: limit * 0.02 });
    const haiku = { modelClass: 'haiku', inFlight: 5, ceiling: 8, ceilingReason: '', cooldownUntil: undefined, dimensions: { requests: view(900, 1000), outputTokens: view(300_000, 400_000) } };
    const sonnet = { modelClass: 'sonnet', inFlight: 3, ceiling: 4, ceilingReason: '', cooldownUntil: undefined, dimensions: { outputTokens: view(41_000, 400_000) } };
    const two: DispatcherSnapshot = { ...snapshot, classes: [haiku, sonnet], tightestClass: 'sonnet', dimensions: sonnet.dimensions };
    assert.match(progressLine(two, run), /, 41k\/400k sonnet output tokens left, /);
    assert.doesNotMatch(progressLine(snapshot, run), /sonnet|haiku/, 'one class: not named');
    const lines = summaryLines({ ...run, fallbacks: { 'claude-opus-4-7 → claude-sonnet-4-6': 120 } }, 'jobs.results.jsonl', 125, two);
    assert.deepEqual(lines.slice(-5, -1), [
      'fallbacks: 120 claude-opus-4-7 → claude-sonnet-4-6',
      'buckets per model class at the end:',
      '  haiku: 900/1k requests, 300k/400k output tokens left',
      '  sonnet: 41k/400k output tokens left',
    ]);
  });
  it('pluralises its counts: 1 retry, 0 retries', () => {
    const one = { ...run, retries: 1 };
    assert.match(progressLine(snapshot, one), /, 1×429, 1 retry, holding/);
    assert.equal(summaryLines(one, 'jobs.results.jsonl', 125)[2], 'spent $3.20 of $15.00 cap · 1 answered 429 · 1 retry · 2m05s');
    assert.equal(summaryLines({ ...run, retries: 0 }, 'jobs.results.jsonl', 125)[2], 'spent $3.20 of $15.00 cap · 1 answered 429 · 0 retries · 2m05s');
  });
});
