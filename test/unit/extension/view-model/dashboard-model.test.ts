import assert from 'node:assert/strict';
import type { DispatcherSnapshot, RunSnapshot } from '../../../../src/core/dispatch/snapshot';
import type { Hold } from '../../../../src/core/dispatch/hold';
import type { DimensionView } from '../../../../src/core/limits/quota-model';
import { toDashboardModel, type DashboardInput } from '../../../../src/extension/view-model/dashboard-model';
import { CHART_WINDOW_MS, HistoryBuffer, sampleOf } from '../../../../src/extension/view-model/history';
import { isWebviewToHost, MAX_ROWS_PER_REQUEST, type DashboardModel, type MeterModel, type ResultsQueryModel } from '../../../../src/extension/protocol';
import { statusBarModel } from '../../../../src/extension/view-model/status-bar-model';
import type { ResultsTotals } from '../../../../src/core/results/result-rows';

const NOW = Date.parse('2026-11-24T12:00:00Z');

function run(partial: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'run-1', label: 'batch.jsonl', priority: 'normal', state: 'running', detail: undefined, holdCause: undefined,
    inFlight: 3, total: 12_000, succeeded: 7_310, errored: 37, resumed: 0, unsent: 0,
    rateLimited: 0, overloaded: 0, retries: 0, requestsPerSecond: 2.4, etaSeconds: 125,
    spend: { spentUsd: 1, reservedUsd: 0, capUsd: 10 }, recentErrors: [], startedAt: NOW - 60_000, endedAt: undefined,
    ...partial,
  };
}

function dim(limit: number, remaining: number, softFloor = 0, hardFloor = 0, resetInMs = 0): DimensionView {
  return { limit, remaining, softFloor, hardFloor, resetAt: NOW + resetInMs };
}

function snapshot(partial: Partial<DispatcherSnapshot> = {}): DispatcherSnapshot {
  return {
    at: NOW, inFlight: 14, ceiling: 16, ceilingReason: 'auto', hold: undefined, holdDetail: undefined, holdCause: undefined,
    dimensions: {
      requests: dim(4000, 3712, 0, 0, 4_000),
      inputTokens: dim(2_000_000, 1_240_000, 400_000, 200_000, 23_000),
      outputTokens: dim(400_000, 200_000, 100_000, 40_000, 46_000),
    },
    retryBudget: { available: 8, perMinute: 10, ratio: 0.2 }, cooldownUntil: undefined, runs: [run()], classes: [], tightestClass: undefined,
    ...partial,
  };
}

function model(partial: Partial<DashboardInput> = {}): DashboardModel {
  return toDashboardModel({ snapshots: [{ key: 'simulated', snapshot: snapshot() }], daily: { spentUsd: 0, tokens: 0 }, history: [], now: NOW, ...partial });
}

function only(snap: DispatcherSnapshot, daily: DashboardInput['daily'] = { spentUsd: 0, tokens: 0 }): DashboardModel {
  return model({ snapshots: [{ key: 'simulated', snapshot: snap }], daily });
}

function gauge(m: DashboardModel, id: string): MeterModel {
  const g = m.dispatchers[0]?.gauges.find((x) => x.id === id);
  assert.ok(g, `gauge ${id}`);
  return g;
}

describe('dashboard model: formatting', () => {
  it('draws each bucket as remaining against its limit, with floor ticks and the reset time', () => {
    const m = only(snapshot({ dimensions: { outputTokens: dim(400_000, 96_000, 100_000, 40_000, 46_000) } }));
    const g = gauge(m, 'outputTokens');
    assert.equal(g.label, 'Output tokens');
    assert.equal(g.text, '96k / 400k');
    assert.equal(g.percent, 24);
    assert.deepEqual(g.markers, [
      { kind: 'soft', percent: 25, label: 'soft floor 100k' },
      { kind: 'hard', percent: 10, label: 'hard floor 40k' },
    ]);
    assert.equal(g.caption, 'soft floor 100k · hard floor 40k · full in 46s');
    assert.deepEqual({ now: g.aria.now, min: g.aria.min, max: g.aria.max }, { now: 96_000, min: 0, max: 400_000 });
    assert.match(g.aria.text, /96k \/ 400k output tokens remaining, soft floor 100k, hard floor 40k, full in 46s/);
  });

  it('one row of gauges per model class once two are in use, each with its own in flight and pause', () => {
    const haiku = { modelClass: 'haiku', inFlight: 6, ceiling: 10, ceilingReason: 'auto', cooldownUntil: NOW + 4_000, dimensions: { outputTokens: dim(400_000, 300_000) } };
    const sonnet = { modelClass: 'sonnet', inFlight: 2, ceiling: 4, ceilingReason: 'auto', cooldownUntil: undefined, dimensions: { requests: dim(1000, 900), outputTokens: dim(80_000, 8_000, 8_000, 1_600) } };
    const rows = only(snapshot({ classes: [haiku, sonnet], tightestClass: 'sonnet' })).dispatchers[0]!.classes;
    assert.deepEqual(rows.map((r) => [r.modelClass, r.inFlight.text, r.gauges.map((g) => `${g.id} ${g.text}`)]), [
      ['haiku', '6 / 10', ['outputTokens 300k / 400k']],
      ['sonnet', '2 / 4', ['requests 900 / 1k', 'outputTokens 8k / 80k']],
    ]);
    assert.match(rows[0]!.detail, /^new requests resume in 4s/);
    assert.equal(rows[1]!.detail, '');
    assert.equal(rows[1]!.gauges[1]!.severity, 'warning', 'at its soft floor');
    assert.deepEqual(only(snapshot({ classes: [haiku], tightestClass: 'haiku' })).dispatchers[0]!.classes, [], 'one class: the single row of gauges');
  });

  it('lists who shares each class through Redis, with what they took against their share; nothing without Redis', () => {
    const haiku = {
      modelClass: 'haiku', inFlight: 6, ceiling: 10, ceilingReason: 'auto', cooldownUntil: undefined, dimensions: { outputTokens: dim(400_000, 300_000) },
      participants: [{ name: 'ci@runner', share: undefined, used: 0.7 }, { name: 'nightly', share: 0.25, used: 0.246 }],
    };
    const rows = only(snapshot({ classes: [haiku], tightestClass: 'haiku' })).dispatchers[0]!.participants;
    assert.deepEqual(rows.map((r) => [r.modelClass, r.name, r.text]), [
      ['haiku', 'ci@runner', '70% of the limit'],
      ['haiku', 'nightly', '25% of the limit · share 25%'],
    ]);
    assert.equal(new Set(rows.map((r) => r.id)).size, 2);
    const { participants: _none, ...alone } = haiku;
    assert.deepEqual(only(snapshot({ classes: [alone], tightestClass: 'haiku' })).dispatchers[0]!.participants, []);
  });

  it('shows requests without floors, and "full" once the bucket has refilled', () => {
    const m = only(snapshot({ dimensions: { requests: dim(4000, 4000, 0, 0, 0) } }));
    const g = gauge(m, 'requests');
    assert.equal(g.text, '4k / 4k');
    assert.equal(g.percent, 100);
    assert.deepEqual(g.markers, []);
    assert.equal(g.caption, 'full');
  });

  it('orders gauges requests, input, output, and clamps odd values into 0..100', () => {
    const m = only(snapshot({ dimensions: { outputTokens: dim(100, 150), inputTokens: dim(0, 10), requests: dim(50, -5) } }));
    assert.deepEqual(m.dispatchers[0]?.gauges.map((g) => [g.id, g.percent]), [['requests', 0], ['inputTokens', 0], ['outputTokens', 100]]);
  });

  it('counts in flight against the ceiling and explains the ceiling', () => {
    const d = only(snapshot({ inFlight: 14, ceiling: 16, ceilingReason: 'fixed: maxInFlight 16' })).dispatchers[0];
    assert.equal(d?.inFlight.text, '14 / 16');
    assert.equal(d?.inFlight.percent, 87.5);
    assert.equal(d?.inFlight.caption, 'ceiling: fixed: maxInFlight 16');
    assert.equal(d?.caption, 'retry budget: 8 available (10/min + 20% of recent requests)');
  });

  it('shows the retry budget as available now and how it refills, never as "55 / 30 per min"', () => {
    // 30/min plus 20% of the fresh requests of about the last minute: 55 available is no overflow.
    const busy = only(snapshot({ retryBudget: { available: 55, perMinute: 30, ratio: 0.2 } })).dispatchers[0];
    assert.equal(busy?.caption, 'retry budget: 55 available (30/min + 20% of recent requests)');
    const floorOnly = only(snapshot({ retryBudget: { available: 3, perMinute: 3, ratio: 0 } })).dispatchers[0];
    assert.equal(floorOnly?.caption, 'retry budget: 3 available (3/min)');
  });

  it('formats a run: progress, rate, ETA, 429s and retries, spend against its cap', () => {
    const r = only(snapshot({ runs: [run({ rateLimited: 3, retries: 9, spend: { spentUsd: 41.27, reservedUsd: 1.9, capUsd: 50 } })] })).dispatchers[0]?.runs[0];
    assert.ok(r);
    assert.equal(r.progress.text, '7,347 / 12,000');
    assert.equal(r.progress.percent, 61.2);
    assert.equal(r.progress.caption, '7,310 succeeded · 37 errored');
    assert.deepEqual(Object.fromEntries(r.stats.map((s) => [s.label, s.value])), { 'In flight': '3 / 16', Rate: '2.4 req/s', ETA: '2m05s', '429s': '3', Retries: '9' });
    assert.equal(r.stats.find((s) => s.label === '429s')?.severity, 'warning');
    const moved = only(snapshot({ runs: [run({ fallbacks: { 'claude-opus-4-7 → claude-sonnet-4-6': 120 } })] })).dispatchers[0]!.runs[0]!;
    assert.equal(moved.stats.find((s) => s.label === 'Fallback opus-4-7 → sonnet-4-6')?.value, '120');
    assert.equal(r.spend.text, '$41.27 / $50.00');
    assert.equal(r.spend.percent, 82.5);
    assert.equal(r.spend.extraPercent, 3.8);
    assert.equal(r.spend.caption, '82% of cap · $1.90 reserved in flight');
    assert.equal(r.stateText, 'running');
    assert.deepEqual(r.controls, { pause: true, resume: false, stop: true });
  });

  it('shows spend without a cap as text only', () => {
    const r = only(snapshot({ runs: [run({ spend: { spentUsd: 0.0042, reservedUsd: 0, capUsd: undefined } })] })).dispatchers[0]?.runs[0];
    assert.equal(r?.spend.text, '$0.00420'); // three significant digits below $1 (formatUsd)
    assert.equal(r?.spend.percent, undefined);
    assert.equal(r?.spend.caption, 'no cap');
    assert.equal(r?.spend.severity, 'ok');
  });

  it('describes a finished run by how long it took and offers no controls', () => {
    const r = only(snapshot({ runs: [run({ state: 'finished', total: 50, succeeded: 50, errored: 0, startedAt: NOW - 200_000, endedAt: NOW - 150_000 })] })).dispatchers[0]?.runs[0];
    assert.equal(r?.active, false);
    assert.equal(r?.stats.find((s) => s.label === 'Took')?.value, '50s');
    assert.equal(r?.stats.find((s) => s.label === 'In flight')?.value, '–');
    assert.deepEqual(r?.controls, { pause: false, resume: false, stop: false });
  });

  it('offers Resume (not Pause) on a paused run, and nothing but the wait while stopping', () => {
    const [paused, stopping] = only(snapshot({ runs: [run({ id: 'a', state: 'paused' }), run({ id: 'b', state: 'stopping' })] })).dispatchers[0]?.runs ?? [];
    assert.deepEqual(paused?.controls, { pause: false, resume: true, stop: true });
    assert.deepEqual(stopping?.controls, { pause: false, resume: false, stop: false });
  });

  it('lists the newest errors first, with their line, and says when older ones are left out', () => {
    const recentErrors = Array.from({ length: 14 }, (_, i) => ({ customId: `q-${i}`, line: i + 1, message: `error ${i}` }));
    const r = only(snapshot({ runs: [run({ errored: 37, recentErrors })] })).dispatchers[0]?.runs[0];
    assert.equal(r?.errors.length, 10);
    assert.deepEqual(r?.errors[0], { line: 14, where: 'line 14', customId: 'q-13', message: 'error 13' });
    assert.equal(r?.errors[9]?.line, 5);
    assert.equal(r?.errorsCaption, 'latest 10 of 37 errors');
  });

  it('shows a hold sentence once, on the dispatcher, not again on each holding run', () => {
    const holdCause: Hold = { kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 1_200 };
    const holdDetail = 'output tokens under the soft floor';
    const d = only(snapshot({ hold: 'soft', holdDetail, holdCause, runs: [run({ state: 'holding', detail: holdDetail, holdCause }), run({ id: 'run-2', state: 'budget-reached', detail: 'cap of $2.00 reached' })] })).dispatchers[0];
    assert.equal(d?.detail, holdDetail);
    assert.equal(d?.stateText, 'holding at soft floor');
    assert.deepEqual(d?.runs.map((r) => r.detail), ['', 'cap of $2.00 reached']);
  });

  it("today's spend and tokens against the daily budgets", () => {
    const m = only(snapshot(), { spentUsd: 42.6, budgetUsd: 100, tokens: 31_400_000, tokenBudget: 50_000_000 });
    assert.equal(m.daily.spend.text, '$42.60 / $100.00');
    assert.equal(m.daily.spend.percent, 42.6);
    assert.equal(m.daily.tokens.text, '31.4M / 50M');
    assert.equal(m.daily.tokens.percent, 62.8);
  });
});

describe('dashboard model: severity', () => {
  const capped = (spentUsd: number, capUsd = 10) => only(snapshot({ runs: [run({ spend: { spentUsd, reservedUsd: 0, capUsd } })] }));

  it('warns at 80% of the run cap, not just below it', () => {
    assert.equal(capped(7.99).dispatchers[0]?.runs[0]?.severity, 'ok');
    assert.equal(capped(7.99).severity, 'ok');
    assert.equal(capped(8).dispatchers[0]?.runs[0]?.spend.severity, 'warning');
    assert.equal(capped(8.01).severity, 'warning');
  });

  it('is an error once a cap is reached, or when the run stopped at its budget', () => {
    assert.equal(capped(10).dispatchers[0]?.runs[0]?.severity, 'error');
    const stopped = only(snapshot({ runs: [run({ state: 'budget-reached', endedAt: NOW, spend: { spentUsd: 1.99, reservedUsd: 0, capUsd: 2 } })] }));
    assert.equal(stopped.dispatchers[0]?.runs[0]?.spend.severity, 'error');
    assert.equal(stopped.dispatchers[0]?.runs[0]?.severity, 'error');
    // Like the status bar, the page as a whole alarms only for what is still going.
    assert.equal(stopped.severity, 'ok');
  });

  it('counts spend held for requests in flight toward the cap, as the status bar does', () => {
    const r = only(snapshot({ runs: [run({ spend: { spentUsd: 7, reservedUsd: 1, capUsd: 10 } })] })).dispatchers[0]?.runs[0];
    assert.equal(r?.spend.percent, 70);
    assert.equal(r?.spend.severity, 'warning');
  });

  it('agrees with the status bar on the overall severity', () => {
    const cases: Array<[DispatcherSnapshot, DashboardInput['daily']]> = [
      [snapshot(), { spentUsd: 0, tokens: 0 }],
      [snapshot({ dimensions: { outputTokens: dim(400_000, 110_000, 100_000, 40_000) } }), { spentUsd: 0, tokens: 0 }],
      [snapshot({ hold: 'hard', dimensions: { inputTokens: dim(200_000, 18_000, 80_000, 20_000) }, runs: [run({ state: 'hard-stopped' })] }), { spentUsd: 0, tokens: 0 }],
      [snapshot({ runs: [run({ spend: { spentUsd: 9, reservedUsd: 0, capUsd: 10 } })] }), { spentUsd: 0, tokens: 0 }],
      [snapshot({ runs: [run({ state: 'finished', endedAt: NOW })] }), { spentUsd: 95, budgetUsd: 100, tokens: 0 }],
      [snapshot({ runs: [run({ state: 'finished', endedAt: NOW })], dimensions: { outputTokens: dim(400_000, 0, 100_000, 40_000) } }), { spentUsd: 0, tokens: 0 }],
    ];
    for (const [snap, daily] of cases) {
      const bar = statusBarModel({ snapshots: [snap], daily: { budgetUsd: undefined, tokenBudget: undefined, ...daily } });
      assert.equal(only(snap, daily).severity, bar.severity);
    }
  });

  it('applies the same thresholds to the daily budgets', () => {
    assert.equal(only(snapshot(), { spentUsd: 79.99, budgetUsd: 100, tokens: 0 }).severity, 'ok');
    assert.equal(only(snapshot(), { spentUsd: 80, budgetUsd: 100, tokens: 0 }).severity, 'warning');
    assert.equal(only(snapshot(), { spentUsd: 100, budgetUsd: 100, tokens: 0 }).severity, 'error');
    assert.equal(only(snapshot(), { spentUsd: 0, tokens: 4_000_000, tokenBudget: 5_000_000 }).daily.tokens.severity, 'warning');
  });

  it('warns when a token bucket is within 20% above its soft floor', () => {
    const at = (remaining: number) => only(snapshot({ dimensions: { outputTokens: dim(400_000, remaining, 100_000, 40_000) } }));
    assert.equal(at(120_000).dispatchers[0]?.severity, 'ok');
    assert.equal(at(120_000).severity, 'ok');
    assert.equal(at(119_999).dispatchers[0]?.severity, 'warning');
    assert.equal(gauge(at(119_999), 'outputTokens').severity, 'warning');
    assert.equal(at(40_001).severity, 'warning');
  });

  it('is an error at or under the hard floor', () => {
    const at = (remaining: number) => only(snapshot({ dimensions: { inputTokens: dim(200_000, remaining, 80_000, 20_000) } }));
    assert.equal(gauge(at(20_000), 'inputTokens').severity, 'error');
    assert.equal(at(20_000).severity, 'error');
    assert.equal(at(18_000).dispatchers[0]?.severity, 'error');
  });

  it('ignores the requests bucket for floors', () => {
    assert.equal(only(snapshot({ dimensions: { requests: dim(50, 0) } })).severity, 'ok');
  });

  it('is an error when hard-stopped, a warning when holding or cooling down', () => {
    const hard = only(snapshot({ hold: 'hard', runs: [run({ state: 'hard-stopped' })] }));
    assert.equal(hard.dispatchers[0]?.severity, 'error');
    assert.equal(hard.dispatchers[0]?.runs[0]?.severity, 'error');
    assert.equal(hard.dispatchers[0]?.runs[0]?.stateText, 'stopped at hard floor');
    assert.equal(only(snapshot({ hold: 'cooldown', runs: [run({ state: 'cooling-down' })] })).severity, 'warning');
    assert.equal(only(snapshot({ hold: 'soft', runs: [run({ state: 'holding' })] })).severity, 'warning');
  });

  it('colours a paused run by its state even when its spend is near the cap', () => {
    const r = only(snapshot({ runs: [run({ state: 'paused', spend: { spentUsd: 8.5, reservedUsd: 0, capUsd: 10 } })] })).dispatchers[0]?.runs[0];
    assert.equal(r?.stateSeverity, 'ok');
    assert.equal(r?.severity, 'warning');
  });
});

describe('dashboard model: several dispatchers and runs', () => {
  it('keeps dispatchers and runs in order, with distinct ids for equal labels', () => {
    const m = model({
      snapshots: [
        { key: 'API key …a1b2', snapshot: snapshot({ hold: 'soft', runs: [run({ id: 'run-1', state: 'holding' }), run({ id: 'run-2', state: 'paused' })] }) },
        { key: 'simulated', snapshot: snapshot({ runs: [run({ id: 'run-3', state: 'finished', endedAt: NOW })] }) },
        { key: 'simulated', snapshot: snapshot({ runs: [run({ id: 'run-4', state: 'holding' })] }) },
      ],
    });
    assert.deepEqual(m.dispatchers.map((d) => d.id), ['API key …a1b2', 'simulated', 'simulated#2']);
    assert.deepEqual(m.dispatchers.map((d) => d.label), ['API key …a1b2', 'simulated', 'simulated']);
    assert.deepEqual(m.dispatchers.flatMap((d) => d.runs.map((r) => r.id)), ['run-1', 'run-2', 'run-3', 'run-4']);
    assert.equal(m.summary, '2 holding at soft floor · 1 paused · 1 finished');
    assert.equal(m.severity, 'warning');
  });

  it('says so when there is nothing to show', () => {
    const m = model({ snapshots: [] });
    assert.deepEqual(m.dispatchers, []);
    assert.equal(m.summary, 'No runs yet');
    assert.equal(m.severity, 'ok');
    assert.equal(m.chart.rpsNowText, '–');
  });

  it('is plain JSON', () => {
    // What the webview receives is the model itself: nothing a JSON round trip would change (a
    // function, a Map, a Date, a class instance, NaN or Infinity) anywhere in it.
    const notJson: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) notJson.push(`${path}: ${value}`);
        return;
      }
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
      if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
        return;
      }
      notJson.push(`${path}: ${Object.prototype.toString.call(value)}`);
    };
    const m = model();
    walk(m, 'model');
    assert.deepEqual(notJson, []);
    assert.doesNotThrow(() => structuredClone(m));
  });
});

describe('dashboard model: no key leaks', () => {
  it('names a dispatcher only by the label it is given', () => {
    const secret = 'sk-ant-api03-DO-NOT-SHOW-a1b2';
    const label = 'API key …a1b2';
    const m = model({ snapshots: [{ key: label, snapshot: snapshot() }] });
    const json = JSON.stringify(m);
    assert.ok(!json.includes(secret));
    assert.ok(!json.includes('sk-ant'));
    assert.equal(m.dispatchers[0]?.label, label);
    // The label is the only text about the key, and appears only where a dispatcher is named.
    const mentions = [...json.matchAll(/API key[^"]*/g)].map((x) => x[0]);
    assert.deepEqual(mentions, [label, label]);
    assert.ok(!/"(apiKey|key|secret|authorization)"\s*:/i.test(json));
  });
});

describe('dashboard model: chart', () => {
  it('places samples across the window and scales throughput to a round top', () => {
    const history = [
      { at: NOW - CHART_WINDOW_MS, requestsPerSecond: 1, remainingShare: 0.9 },
      { at: NOW - CHART_WINDOW_MS / 2, requestsPerSecond: 3.4, remainingShare: 0.5 },
      { at: NOW, requestsPerSecond: 2.5, remainingShare: 0.25 },
    ].flatMap((s, i, all) => {
      // Fill the gaps every 10 s so the line stays one piece.
      const next = all[i + 1];
      const out = [s];
      if (next) for (let at = s.at + 10_000; at < next.at; at += 10_000) out.push({ ...s, at });
      return out;
    });
    const chart = model({ history }).chart;
    assert.equal(chart.rpsScaleText, '5 req/s');
    assert.equal(chart.rps.length, 1);
    assert.deepEqual(chart.rps[0]?.[0], [0, 0.2]);
    assert.deepEqual(chart.rps[0]?.at(-1), [1, 0.5]);
    assert.deepEqual(chart.share[0]?.at(-1), [1, 0.25]);
    assert.equal(chart.rpsNowText, '2.5 req/s');
    assert.equal(chart.shareNowText, '25% left');
    assert.equal(chart.softFloorY, 0.25, 'soft floor of the tightest bucket: output 100k of 400k');
    assert.match(chart.summary, /peak 3\.4 req\/s/);
  });

  it('breaks the line where samples are missing and drops samples outside the window', () => {
    const chart = model({
      history: [
        { at: NOW - CHART_WINDOW_MS - 1, requestsPerSecond: 9 },
        { at: NOW - 60_000, requestsPerSecond: 1, remainingShare: 0.5 },
        { at: NOW - 59_000, requestsPerSecond: 1 },
        { at: NOW - 10_000, requestsPerSecond: 1, remainingShare: 0.5 },
      ],
    }).chart;
    assert.equal(chart.rpsScaleText, '1 req/s', 'the sample before the window does not set the scale');
    assert.equal(chart.rps.length, 2, 'a 49 s gap breaks the line');
    assert.equal(chart.share.length, 2, 'a missing share breaks its line');
  });
});

describe('HistoryBuffer', () => {
  it('keeps one sample per interval, the newest always fresh', () => {
    const h = new HistoryBuffer({ windowMs: 60_000, minIntervalMs: 1_000 });
    for (let t = 0; t <= 10_000; t += 250) h.push({ at: NOW + t, requestsPerSecond: t });
    const samples = h.toArray();
    assert.equal(samples.at(-1)?.at, NOW + 10_000);
    for (let i = 1; i < samples.length - 1; i++) assert.ok((samples[i]?.at ?? 0) - (samples[i - 1]?.at ?? 0) >= 1_000);
    assert.ok(h.size <= 12, `size ${h.size}`);
  });

  it('forgets samples older than the window and stays bounded over a long run', () => {
    const h = new HistoryBuffer({ windowMs: 60_000, minIntervalMs: 1_000 });
    for (let t = 0; t <= 3_600_000; t += 100) h.push({ at: NOW + t, requestsPerSecond: 1 });
    assert.ok(h.size <= 62, `size ${h.size}`);
    assert.ok((h.toArray()[0]?.at ?? 0) >= NOW + 3_600_000 - 60_000);
    assert.deepEqual(h.toArray(NOW + 3_600_000 + 59_000).length, 2, 'toArray(now) windows on `now`');
  });

  it('has a hard bound on its size whatever the interval', () => {
    const h = new HistoryBuffer({ windowMs: 60_000, minIntervalMs: 0, maxSamples: 50 });
    for (let t = 0; t < 1_000; t++) h.push({ at: NOW + t, requestsPerSecond: 1 });
    assert.equal(h.size, 50);
    assert.equal(h.toArray()[0]?.at, NOW + 950);
  });

  it('ignores samples that go back in time, and copies what it returns', () => {
    const h = new HistoryBuffer();
    h.push({ at: NOW, requestsPerSecond: 1 });
    h.push({ at: NOW - 5_000, requestsPerSecond: 2 });
    const [s] = h.toArray();
    assert.equal(h.size, 1);
    if (s) s.requestsPerSecond = 99;
    assert.equal(h.toArray()[0]?.requestsPerSecond, 1);
    h.clear();
    assert.equal(h.size, 0);
  });

  it('samples every dispatcher: throughput of active runs summed, the tightest token bucket', () => {
    const a = snapshot({ runs: [run({ requestsPerSecond: 2 }), run({ id: 'x', state: 'finished', requestsPerSecond: 5 })] });
    const b = snapshot({ dimensions: { requests: dim(50, 1), outputTokens: dim(40_000, 10_000) }, runs: [run({ requestsPerSecond: 0.5 })] });
    assert.deepEqual(sampleOf([a, b], NOW), { at: NOW, requestsPerSecond: 2.5, remainingShare: 0.25 });
    assert.deepEqual(sampleOf([snapshot({ dimensions: { requests: dim(50, 1) }, runs: [] })], NOW), { at: NOW, requestsPerSecond: 0 });
    const h = new HistoryBuffer();
    h.record([a, b], NOW);
    assert.equal(h.toArray()[0]?.remainingShare, 0.25);
  });
});

describe('isWebviewToHost', () => {
  it('accepts the three messages', () => {
    assert.ok(isWebviewToHost({ type: 'ready' }));
    for (const action of ['pause', 'resume', 'stop']) assert.ok(isWebviewToHost({ type: 'control', action, runId: 'run-1' }));
    assert.ok(isWebviewToHost({ type: 'openLocation', runId: 'run-1', line: 42 }));
  });

  it('accepts openResults by a run\'s id only (never a path)', () => {
    assert.ok(isWebviewToHost({ type: 'openResults', runId: 'past-0123456789abcdef' }));
    for (const bad of [
      { type: 'openResults' },
      { type: 'openResults', runId: '' },
      { type: 'openResults', runId: 'x'.repeat(201) },
      { type: 'openResults', runId: 'run-1', path: '/etc/passwd' },
    ]) assert.equal(isWebviewToHost(bad), false, JSON.stringify(bad));
  });

  it('rejects anything else', () => {
    const bad: unknown[] = [
      null, undefined, 'ready', 42, [], [{ type: 'ready' }], {},
      { type: 'unknown' },
      { type: 'READY' },
      { type: 'ready', extra: true },
      { type: 'control', action: 'delete', runId: 'run-1' },
      { type: 'control', action: 'stop' },
      { type: 'control', action: 'stop', runId: '' },
      { type: 'control', action: 'stop', runId: 7 },
      { type: 'control', action: 'stop', runId: 'x'.repeat(201) },
      { type: 'control', action: 'stop', runId: 'run-1', path: '/etc/passwd' },
      { type: 'openLocation', runId: 'run-1' },
      { type: 'openLocation', runId: 'run-1', line: 0 },
      { type: 'openLocation', runId: 'run-1', line: -3 },
      { type: 'openLocation', runId: 'run-1', line: 1.5 },
      { type: 'openLocation', runId: 'run-1', line: '12' },
      { type: 'openLocation', runId: 'run-1', line: Number.NaN },
      { type: 'openLocation', runId: 'run-1', line: Number.POSITIVE_INFINITY },
      { type: 'openLocation', runId: 'run-1', line: 3, file: '/etc/passwd' },
    ];
    for (const message of bad) assert.equal(isWebviewToHost(message), false, JSON.stringify(message) ?? String(message));
  });

  const query: ResultsQueryModel = { sort: 'costUsd', descending: true, statuses: ['errored', 'expired'], models: ['claude-sonnet-4-5'], search: 'overloaded' };

  it("accepts the results editor's messages", () => {
    const good: unknown[] = [
      { type: 'results/query', query },
      { type: 'results/query', query: { sort: 'row', descending: false, statuses: [], models: [], search: '' } },
      { type: 'results/query', query: { ...query, search: 'x'.repeat(1000), models: Array.from({ length: 100 }, (_, i) => `m${i}`) } },
      { type: 'results/rows', generation: 0, start: 0, count: 1 },
      { type: 'results/rows', generation: 7, start: 99_800, count: MAX_ROWS_PER_REQUEST },
      { type: 'results/detail', row: 0 },
      { type: 'results/openInput', row: 41 },
      ...['reply', 'request', 'error', 'customId'].map((part) => ({ type: 'results/copy', row: 3, part })),
      ...['rerunErrored', 'submitErroredBatch', 'exportCsv', 'openAsText'].map((action) => ({ type: 'results/action', action })),
    ];
    for (const message of good) assert.ok(isWebviewToHost(message), JSON.stringify(message));
  });

  it('rejects results messages out of bounds, of unknown values, or with keys it does not know', () => {
    // JSON.parse makes `__proto__` an own key, as a message posted from the page would have it.
    const polluted = JSON.parse('{"type":"results/detail","row":1,"__proto__":{"row":2}}') as unknown;
    const pollutedQuery = JSON.parse(`{"type":"results/query","query":${JSON.stringify(query).replace(/^\{/, '{"__proto__":{"admin":true},')}}`) as unknown;
    const bad: unknown[] = [
      polluted,
      pollutedQuery,
      { type: 'results/rows', generation: 1, start: 0, count: MAX_ROWS_PER_REQUEST + 1 },
      { type: 'results/rows', generation: 1, start: 0, count: 0 },
      { type: 'results/rows', generation: 1, start: -200, count: 200 },
      { type: 'results/rows', generation: 1, start: 0.5, count: 200 },
      { type: 'results/rows', generation: -1, start: 0, count: 200 },
      { type: 'results/rows', generation: 1, start: 0 },
      { type: 'results/rows', generation: 1, start: 0, count: 200, file: '/etc/passwd' },
      { type: 'results/detail', row: -1 },
      { type: 'results/detail', row: '3' },
      { type: 'results/detail', row: 3, path: '/etc/passwd' },
      { type: 'results/openInput', row: Number.NaN },
      { type: 'results/openInput', row: 2, line: 5 },
      { type: 'results/copy', row: 3, part: 'everything' },
      { type: 'results/copy', row: 3, part: 'reply', text: 'hi' },
      { type: 'results/copy', row: 3 },
      { type: 'results/action', action: 'deleteFile' },
      { type: 'results/action', action: 'exportCsv', path: '/tmp/x.csv' },
      { type: 'results/action' },
      { type: 'results/query' },
      { type: 'results/query', query: null },
      { type: 'results/query', query: [] },
      { type: 'results/query', query, extra: 1 },
      { type: 'results/query', query: { ...query, sort: 'preview' } },
      { type: 'results/query', query: { ...query, descending: 'yes' } },
      { type: 'results/query', query: { ...query, statuses: ['errored', 'pending'] } },
      { type: 'results/query', query: { ...query, statuses: 'errored' } },
      { type: 'results/query', query: { ...query, statuses: ['errored', 'errored', 'errored', 'errored', 'errored'] } },
      { type: 'results/query', query: { ...query, models: [42] } },
      { type: 'results/query', query: { ...query, models: Array.from({ length: 101 }, (_, i) => `m${i}`) } },
      { type: 'results/query', query: { ...query, models: ['x'.repeat(1001)] } },
      { type: 'results/query', query: { ...query, search: 'x'.repeat(1001) } },
      { type: 'results/query', query: { ...query, search: 'x'.repeat(5_000_000) } },
      { type: 'results/query', query: { ...query, search: undefined } },
      { type: 'results/query', query: { ...query, limit: 10 } },
      { type: 'results/view', generation: 1, length: 3, query },
      { type: 'results/totals' },
    ];
    for (const message of bad) assert.equal(isWebviewToHost(message), false, JSON.stringify(message)?.slice(0, 200) ?? String(message));
  });
});

describe('dashboard model: rehearsals', () => {
  it('marks a simulated dispatcher and its runs\' spend, which never reads as real', () => {
    const m = model({ snapshots: [{ key: 'simulated (start tier)', snapshot: snapshot({ runs: [run({ spend: { spentUsd: 3.28, reservedUsd: 0, capUsd: undefined } })] }), simulated: true }] });
    const d = m.dispatchers[0]!;
    assert.equal(d.simulated, true);
    const r = d.runs[0]!;
    assert.equal(r.simulated, true);
    assert.equal(r.spend.label, 'Run spend (simulated)');
    assert.equal(r.spend.text, '$3.28 simulated');
    assert.match(r.spend.caption, /^Simulated — not real spend/);
    assert.match(r.spend.aria.text, /not real spend/);
    assert.equal(m.daily.spend.text, '$0.00', 'today\'s spend is untouched');
  });

  it('leaves a real run\'s spend as it is', () => {
    const m = model({ snapshots: [{ key: 'API key …a1b2', snapshot: snapshot(), simulated: false }] });
    assert.equal(m.dispatchers[0]!.simulated, false);
    assert.equal(m.dispatchers[0]!.runs[0]!.spend.label, 'Run spend');
    assert.equal(m.dispatchers[0]!.runs[0]!.simulated, false);
  });

  it('offers Open results once a run has ended', () => {
    const m = model({ snapshots: [{ key: 'k', snapshot: snapshot({ runs: [run({ id: 'a' }), run({ id: 'b', state: 'finished', endedAt: NOW })] }) }] });
    assert.deepEqual(m.dispatchers[0]!.runs.map((r) => [r.id, r.canOpenResults]), [['a', false], ['b', true]]);
  });
});

describe('dashboard model: runs from before a reload', () => {
  const totals = (partial: Partial<ResultsTotals> = {}): ResultsTotals => ({
    rows: 1_000, succeeded: 990, errored: 10, canceled: 0, expired: 0, costUsd: 3.28,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, latencyP50Ms: null, latencyP95Ms: null,
    models: [], simulatedRows: 0, unreadable: 0, unreadableLines: [], partialTail: false, bytes: 1, ...partial,
  });

  it('shows them as finished cards with counts and spend, no controls, and Open results — not "No runs yet"', () => {
    const m = model({ snapshots: [], pastRuns: [{ id: 'past-1', label: 'data/jobs.jsonl', simulated: false, ended: 'finished', totals: { state: 'ready', totals: totals() } }] });
    assert.notEqual(m.summary, 'No runs yet');
    assert.equal(m.summary, '1 earlier');
    const [r] = m.pastRuns;
    assert.ok(r);
    assert.equal(r.id, 'past-1');
    assert.equal(r.label, 'data/jobs.jsonl');
    assert.equal(r.state, 'finished');
    assert.equal(r.stateText, 'finished');
    assert.equal(r.active, false);
    assert.equal(r.progress.text, '1,000 results');
    assert.equal(r.progress.percent, 100);
    assert.equal(r.progress.caption, '990 succeeded · 10 errored');
    assert.equal(r.spend.text, '$3.28');
    assert.equal(r.severity, 'warning', 'some lines errored');
    assert.deepEqual(r.controls, { pause: false, resume: false, stop: false });
    assert.equal(r.canOpenResults, true);
  });

  it('says how a past run ended, and what part of its file it answered', () => {
    const m = model({
      snapshots: [],
      pastRuns: [
        { id: 'past-1', label: 'a.jsonl', simulated: false, ended: 'budget-reached', total: 4_000, totals: { state: 'ready', totals: totals() } },
        { id: 'past-2', label: 'b.jsonl', simulated: false, totals: { state: 'ready', totals: totals() } },
      ],
    });
    const [capped, cut] = m.pastRuns;
    assert.equal(capped?.stateText, 'budget reached');
    assert.equal(capped?.progress.text, '1,000 of 4,000 results');
    assert.equal(capped?.progress.percent, 25);
    // No end on record: VS Code closed while it ran. Not "finished".
    assert.equal(cut?.state, 'stopped');
    assert.equal(cut?.stateText, 'interrupted when VS Code closed');
    assert.equal(cut?.stateSeverity, 'warning');
    assert.match(cut?.detail ?? '', /resumes/);
  });

  it('a rehearsal\'s past run says simulated; one still being counted shows "…"', () => {
    const m = model({
      snapshots: [],
      pastRuns: [
        { id: 'past-1', label: 'a.jsonl', simulated: true, totals: { state: 'ready', totals: totals({ errored: 0, succeeded: 1_000 }) } },
        { id: 'past-2', label: 'b.jsonl', simulated: false, totals: { state: 'counting' } },
        { id: 'past-3', label: 'c.jsonl', simulated: false, totals: { state: 'error', message: 'ENOENT' } },
      ],
    });
    const [sim, counting, broken] = m.pastRuns;
    assert.equal(sim?.spend.text, '$3.28 simulated');
    assert.equal(sim?.simulated, true);
    assert.equal(sim?.severity, 'ok');
    assert.equal(counting?.progress.text, '…');
    assert.equal(counting?.spend.text, '…');
    assert.match(broken?.detail ?? '', /ENOENT/);
    assert.equal(broken?.canOpenResults, false);
    assert.equal(m.summary, '3 earlier');
  });

  it('counts them beside this session\'s runs in the summary', () => {
    const m = model({ pastRuns: [{ id: 'past-1', label: 'a.jsonl', simulated: false, totals: { state: 'counting' } }] });
    assert.equal(m.summary, '1 running · 1 earlier');
  });
});
