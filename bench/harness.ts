// Runs one contender on one scenario: a fresh mock API (same configuration for everyone), the
// contender in its own process, the scenario's events timed from the contender's first request,
// and the mock sampled four times a (real) second for the timeline.
import { spawn } from 'node:child_process';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startMockServer, requestKey, type MockServer, type MockStats } from '../src/simulator/mock-server';
import type { Scenario } from './scenarios';
import type { Job } from './jobs';
import { scenarioClasses, type ClassLevels } from './metrics';
import type { ContenderOptions, ContenderResult } from './contenders/types';
import type { FromChild, ToChild } from './child';

const API_KEY = 'bench-key';
const SAMPLE_MS = 250;

interface Sample {
  /** Simulated epoch ms. */
  at: number;
  succeeded: number;
  received: number;
  /** Each model class's bucket levels (the job's classes and those its fallback chains lead to). */
  levels: ClassLevels;
}

export interface RunRecord {
  scenario: string;
  contender: string;
  result: ContenderResult | undefined;
  error?: string;
  /** Mock stats at the end, with the storm proxy's own answers folded in. */
  stats: Omit<MockStats, 'completionsByKey'>;
  /** Lines answered successfully at least once, and how many extra times. */
  doneKeys: string[];
  duplicates: number;
  /** Distinct lines the API saw at least one request for. */
  attemptedLines: number;
  /** Requests that reached the buckets (429s included; not those the storm proxy answered), by the model they named. */
  sentByModel: Record<string, number>;
  createdAt: number;
  levelsAtCreation: ClassLevels;
  firstRequestAt: number | null;
  lastCompletionAt: number | null;
  samples: Sample[];
  /** When events actually started (simulated ms after the first request). */
  eventTimes: Array<{ kind: string; from: number; to?: number }>;
  capUsd: number | undefined;
  deadline: number;
  realSeconds: number;
}

export interface HarnessSettings {
  workers: number;
  semaphore: number;
  cliPath: string;
  scratch: string;
  /** Diagnostic: no spend cap, except where the cap is the point of the scenario. */
  noCap?: boolean;
}

/** A clock running `scale` times faster than real time from `origin`. */
function simClock(origin: number, scale: number): () => number {
  return scale === 1 ? () => Date.now() : () => origin + (Date.now() - origin) * scale;
}

export async function runOne(scenario: Scenario, job: Job, contender: string, idealSec: number, settings: HarnessSettings): Promise<RunRecord> {
  const started = Date.now();
  const K = scenario.timeScale;
  const origin = Date.now();
  const now = simClock(origin, K);
  const dir = join(settings.scratch, `${scenario.name}-${contender}`);
  mkdirSync(dir, { recursive: true });
  const preloadPath = resolve(__dirname, 'preload.cjs');

  const child = spawn(process.execPath, ['--require', preloadPath, '--import', 'tsx', resolve(__dirname, 'child.ts')], {
    env: { ...process.env, BENCH_TIME_SCALE: String(K), BENCH_TIME_ORIGIN: String(origin) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: FromChild[] = [];
  let onMessage: (() => void) | undefined;
  child.on('message', (m: FromChild) => {
    messages.push(m);
    onMessage?.();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    onMessage?.();
  });
  const next = (type: FromChild['type'] | 'error', timeoutMs: number) =>
    new Promise<FromChild | undefined>((resolveNext) => {
      const timer = setTimeout(() => resolveNext(undefined), timeoutMs);
      const check = () => {
        const found = messages.find((m) => m.type === type || m.type === 'error');
        if (found || exited) {
          clearTimeout(timer);
          onMessage = undefined;
          resolveNext(found);
        }
      };
      onMessage = check;
      check();
    });

  const ready = await next('ready', 30_000);
  // A child that cannot start gets an error row, not the end of the whole bench.
  const bootError = ready?.type === 'ready' ? undefined : `child did not start${ready?.type === 'error' ? `: ${ready.message}` : ''}`;

  // The mock is created only now, so a drained bucket has not refilled while the child booted.
  const attempted = new Set<string>();
  const sentByModel: Record<string, number> = {};
  const mock = await startMockServer({
    apiKey: API_KEY,
    limits: { ...scenario.limits },
    // One set of buckets per model class, as the API keeps them; a class without its own limits has `limits`.
    ...(scenario.classLimits ? { classLimits: structuredClone(scenario.classLimits) } : {}),
    initial: scenario.initial,
    latency: { ...scenario.latency, baseMs: scenario.latency.baseMs / K, perOutputTokenMs: scenario.latency.perOutputTokenMs / K },
    outputTokens: (body) => {
      // Called for every request that reaches admission: which lines were ever tried.
      const key = requestKey(body);
      attempted.add(key);
      sentByModel[body.model] = (sentByModel[body.model] ?? 0) + 1;
      return job.outputOf(key);
    },
    ...(K !== 1 ? { now } : {}),
  });
  // Levels are read per class (reading never makes a class): `levels()` alone would follow whichever
  // class the most recent request named.
  const classes = scenarioClasses(scenario, job);
  const levelsOf = (): ClassLevels => Object.fromEntries(classes.map((c) => [c, mock.levels(c)]));
  const createdAt = now();
  const levelsAtCreation = levelsOf();
  const hasStorm = scenario.events.some((e) => e.kind === 'storm');
  const proxy = hasStorm ? await StormProxy.start(mock, attempted) : undefined;
  const url = proxy?.url ?? mock.url;

  const capUsd = settings.noCap && !scenario.capBinding ? undefined : Number((job.expectedUsd * scenario.capFactor).toFixed(4));
  const deadline = now() + (idealSec * scenario.timeLimitFactor + scenario.timeLimitPadSec) * 1000;
  const options: ContenderOptions = {
    apiKey: API_KEY,
    limits: { ...scenario.limits },
    capUsd,
    deadline,
    workers: settings.workers,
    semaphore: settings.semaphore,
    dir,
    cliPath: settings.cliPath,
    preloadPath,
    timeScale: K,
    timeOrigin: origin,
    ...(scenario.fallback ? { fallback: structuredClone(scenario.fallback) } : {}),
  };

  // Sampling and events.
  const samples: Sample[] = [];
  const eventTimes: RunRecord['eventTimes'] = [];
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let first: number | null = null;
  const sample = () => {
    const s = mock.stats();
    const extra = proxy?.answered ?? 0;
    samples.push({ at: now(), succeeded: s.succeeded, received: s.received + extra, levels: levelsOf() });
    if (first === null && s.firstRequestAt !== null) {
      first = s.firstRequestAt;
      for (const event of scenario.events) {
        const startIn = Math.max(0, (first + event.at * 1000 - now()) / K);
        timers.push(
          setTimeout(() => {
            const from = now() - first!;
            if (event.kind === 'tenant') {
              mock.configure({ tenantLoad: event.load });
              eventTimes.push({ kind: 'tenant', from });
            } else {
              proxy!.active = { status: event.status, retryAfterSec: event.retryAfterSec };
              timers.push(
                setTimeout(() => {
                  proxy!.active = undefined;
                  eventTimes.push({ kind: `storm-${event.status}`, from, to: now() - first! });
                }, (event.seconds * 1000) / K),
              );
            }
          }, startIn),
        );
      }
    }
  };
  // Fast until the first request is seen (events are timed from it), then every SAMPLE_MS.
  let sampler: ReturnType<typeof setTimeout>;
  const loop = () => {
    sample();
    sampler = setTimeout(loop, first === null ? 5 : SAMPLE_MS);
  };
  loop();

  let answer: FromChild | undefined;
  if (!bootError) {
    const go: ToChild = { type: 'go', contender, job: { path: job.path, lines: job.lines.length }, mockUrl: url, options };
    child.send(go);
    answer = await next('result', (deadline - now()) / K + 60_000);
  }
  clearTimeout(sampler!);
  sample();
  for (const t of timers) clearTimeout(t);
  if (!exited) child.kill('SIGKILL');

  const final = mock.stats();
  await proxy?.close();
  await mock.close();
  const { completionsByKey, ...stats } = final;
  if (proxy) {
    stats.received += proxy.answered;
    for (const [status, n] of Object.entries(proxy.byStatus)) stats.byStatus[status] = (stats.byStatus[status] ?? 0) + n;
    stats.rateLimited += proxy.byStatus['429'] ?? 0;
  }
  const doneKeys = Object.keys(completionsByKey);
  const duplicates = Object.values(completionsByKey).reduce((sum, n) => sum + n - 1, 0);
  return {
    scenario: scenario.name,
    contender,
    result: answer?.type === 'result' ? answer.result : undefined,
    ...(bootError ? { error: bootError } : answer?.type === 'error' ? { error: answer.message } : answer ? {} : { error: 'no result in time (killed)' }),
    stats,
    doneKeys,
    duplicates,
    attemptedLines: attempted.size,
    sentByModel,
    createdAt,
    levelsAtCreation,
    firstRequestAt: final.firstRequestAt,
    lastCompletionAt: final.lastCompletionAt,
    samples,
    eventTimes,
    capUsd,
    deadline,
    realSeconds: (Date.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * In front of the mock for the storm scenario: while a storm is on, it answers every
 * POST /v1/messages itself (429 with retry-after, or 529) with the mock's current rate-limit
 * headers; otherwise it forwards. Time-based, so a contender that keeps sending during the storm
 * meets more of it, and one that backs off meets less — unlike a fixed count of injected errors.
 */
class StormProxy {
  active: { status: 429 | 529; retryAfterSec: number | undefined } | undefined;
  answered = 0;
  readonly byStatus: Record<string, number> = {};
  url = '';
  // No socket cap: a contender that sends a whole full bucket at once (Bottleneck in overload-burst) must not queue here.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  private server = createServer((req, res) => this.handle(req, res));
  private counter = 0;

  private constructor(
    private readonly mock: MockServer,
    private readonly attempted: Set<string>,
  ) {}

  static async start(mock: MockServer, attempted: Set<string>): Promise<StormProxy> {
    const proxy = new StormProxy(mock, attempted);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', () => r()));
    proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const storm = this.active;
    if (storm && req.method === 'POST' && req.url?.startsWith('/v1/messages') && !req.url.includes('count_tokens')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          this.attempted.add(requestKey(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: unknown; messages?: unknown }));
        } catch {
          // not JSON: the mock would have said 400; irrelevant here
        }
        this.answered++;
        this.byStatus[storm.status] = (this.byStatus[storm.status] ?? 0) + 1;
        const type = storm.status === 429 ? 'rate_limit_error' : 'overloaded_error';
        const message = storm.status === 429 ? 'Number of requests has exceeded your rate limit. Please try again later.' : 'Overloaded';
        const body = JSON.stringify({ type: 'error', error: { type, message }, request_id: `req_storm_${++this.counter}` });
        res.writeHead(storm.status, {
          ...this.mock.rateLimitHeaders(),
          ...(storm.retryAfterSec !== undefined ? { 'retry-after': String(storm.retryAfterSec) } : {}),
          'request-id': `req_storm_${this.counter}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: this.mock.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // A stream's headers come before its body (the API sends them on admission): pass them on now.
        res.flushHeaders();
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    // A client that gives up makes the mock see it give up too (abandoned, still billed).
    res.on('close', () => {
      if (!res.writableEnded) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
