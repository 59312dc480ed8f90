// From a run's raw record to the figures in the table. Every definition is the same for every
// contender; bench/README.md states them in words.
import type { BucketLevels, MockLimits } from '../src/simulator/mock-server';
import type { ModelClass } from '../src/core/models/model-class';
import { resolveFloor } from '../src/core/limits/floors';
import { DEFAULTS } from '../src/core/config';
import { classOf, consumption, jobClasses, type Consumption, type Job } from './jobs';
import type { Scenario } from './scenarios';
import type { RunRecord } from './harness';

type Dim = 'requests' | 'input' | 'output';
const DIMS: readonly Dim[] = ['requests', 'input', 'output'];
const LEVEL_KEY: Record<Dim, keyof BucketLevels> = { requests: 'requests', input: 'inputTokens', output: 'outputTokens' };

/** Bucket levels of each model class (the API keeps one set of buckets per class). */
export type ClassLevels = Record<ModelClass, BucketLevels>;

export interface Ideal {
  /** Seconds from the first request to the last completion in the best case. */
  seconds: number;
  binding: Dim;
  /** Per dimension: seconds of refill the work needs beyond what the bucket held at the start. */
  perDim: Record<Dim, number>;
  /** One request's latency (s), the pipeline's unavoidable tail. */
  latencySec: number;
  /** The job's longest reply (s, without the mock's jitter): no client finishes sooner, however much the buckets allow at once. */
  longestReplySec: number;
  /**
   * Requests per second the binding dimension sustains for this job's mix. With several model
   * classes: the sum of each class's own, what the job sustains while every class has lines left.
   */
  boundRps: number;
  /** The model class whose work ends last (the one `binding` and `perDim` are of). */
  bindingClass: ModelClass;
}

/** A model class's limits: the scenario's defaults, with the class's own (`classLimits`) over them, as the mock takes them. */
function limitsOf(scenario: Pick<Scenario, 'limits' | 'classLimits'>, modelClass?: ModelClass): MockLimits {
  const own = modelClass !== undefined && scenario.classLimits && Object.hasOwn(scenario.classLimits, modelClass) ? scenario.classLimits[modelClass] : undefined;
  return { ...scenario.limits, ...Object.fromEntries(Object.entries(own ?? {}).filter(([, v]) => v !== undefined)) };
}

function limitOf(scenario: Scenario, dim: Dim, modelClass?: ModelClass): number {
  const l = limitsOf(scenario, modelClass);
  return dim === 'requests' ? l.requestsPerMinute : dim === 'input' ? l.inputTokensPerMinute : l.outputTokensPerMinute;
}

/** Each class's bucket levels at the start of a scenario (its `initial`), for the classes the job (and its fallback chains) draw on. */
export function initialLevels(scenario: Scenario, classes: Iterable<ModelClass>): ClassLevels {
  const share = scenario.initial === 'full' ? 1 : 0;
  return Object.fromEntries(
    [...classes].map((c) => [c, { requests: share * limitOf(scenario, 'requests', c), inputTokens: share * limitOf(scenario, 'input', c), outputTokens: share * limitOf(scenario, 'output', c) }]),
  );
}

/** The classes whose buckets matter in a scenario: the job's, then those its fallback chains lead to. */
export function scenarioClasses(scenario: Scenario, job: Job): ModelClass[] {
  const chained = Object.values(scenario.fallback?.chains ?? {}).flat().map(classOf);
  return [...new Set([...jobClasses(job), ...chained])];
}

function tenantDrain(scenario: Scenario, dim: Dim): Array<{ from: number; perSec: number }> {
  const out: Array<{ from: number; perSec: number }> = [];
  for (const e of scenario.events) {
    if (e.kind !== 'tenant') continue;
    const perSec = dim === 'requests' ? e.load.requestsPerSec : dim === 'input' ? e.load.inputPerSec : e.load.outputPerSec;
    if (perSec) out.push({ from: e.at, perSec });
  }
  return out.sort((a, b) => a.from - b.from);
}

/** start + ∫₀ᵀ (refill − tenant): what a bucket has provided by T (the inverse of `timeToCover`). */
function coveredBy(T: number, start: number, refillPerSec: number, drains: Array<{ from: number; perSec: number }>): number {
  let have = start;
  let t = 0;
  let rate = refillPerSec;
  for (const d of drains) {
    if (d.from >= T) break;
    if (d.from > t) {
      have += rate * (d.from - t);
      t = d.from;
    }
    rate -= d.perSec;
  }
  return have + Math.max(0, rate) * (T - t);
}

/** Smallest T ≥ 0 with start + ∫₀ᵀ (refill − tenant) ≥ need. */
function timeToCover(need: number, start: number, refillPerSec: number, drains: Array<{ from: number; perSec: number }>): number {
  let have = start;
  if (have >= need) return 0;
  let t = 0;
  let rate = refillPerSec;
  for (const d of drains) {
    if (d.from > t && rate > 0) {
      const reach = t + (need - have) / rate;
      if (reach <= d.from) return reach;
      have += rate * (d.from - t);
      t = d.from;
    }
    rate -= d.perSec;
  }
  return rate > 0 ? t + (need - have) / rate : Number.POSITIVE_INFINITY;
}

/**
 * What a client that keeps Floorline's default soft floor leaves in each bucket for everyone else
 * on the key: 10% of each token limit (ITPM, OTPM); requests have no floor. Refilling it takes
 * 10% × 60 s = 6 s whatever the limit.
 */
function floorReserve(scenario: Scenario, modelClass?: ModelClass): Record<Dim, number> {
  return {
    requests: 0,
    input: resolveFloor(DEFAULTS.softFloor, limitOf(scenario, 'input', modelClass)),
    output: resolveFloor(DEFAULTS.softFloor, limitOf(scenario, 'output', modelClass)),
  };
}

/** One class's part of a bound: the time its buckets need for its work `c`, without the reply at the end. */
function classBound(scenario: Scenario, modelClass: ModelClass, c: Consumption, levels: BucketLevels, reserve: Record<Dim, number> | undefined) {
  const need: Record<Dim, number> = { requests: c.requests, input: c.input, output: c.output };
  const perDim = {} as Record<Dim, number>;
  let binding: Dim = 'requests';
  for (const dim of DIMS) {
    const limit = limitOf(scenario, dim, modelClass);
    perDim[dim] = timeToCover(need[dim], levels[LEVEL_KEY[dim]] - (reserve?.[dim] ?? 0), limit / 60, tenantDrain(scenario, dim));
    if (perDim[dim] > perDim[binding]) binding = dim;
  }
  const meanOutput = c.lines ? c.output / c.lines : 0;
  const latencySec = (scenario.latency.baseMs + scenario.latency.perOutputTokenMs * meanOutput) / 1000;
  const boundRps = need[binding] > 0 ? ((limitOf(scenario, binding, modelClass) / 60) * c.lines) / need[binding] : Number.POSITIVE_INFINITY;
  return { seconds: perDim[binding], binding, perDim, latencySec, boundRps };
}

/** A class's levels: as given, else what the scenario's start would give it. */
function levelsOf(scenario: Scenario, levels: ClassLevels, modelClass: ModelClass): BucketLevels {
  return Object.hasOwn(levels, modelClass) ? levels[modelClass]! : initialLevels(scenario, [modelClass])[modelClass]!;
}

/**
 * The best possible time for the work in `done` (all lines when omitted), from the first request:
 * for each bucket, the refill it needs beyond what it held when the first request arrived (less
 * what a tenant takes); the slowest bucket binds; storms delay an end that would fall inside them;
 * plus one request's latency — and never less than the job's longest reply. Concurrency is taken
 * as unlimited.
 *
 * Each model class has its own buckets at the API: a job whose lines name several classes runs every
 * class's work at once, each on its own buckets, and ends with the class that takes longest.
 *
 * With `floorAware`, each class keeps its soft floor (`floorReserve`) for others, never the job's:
 * the floor-aware bound. From a drained start the job first waits for the reserve to refill (6 s for
 * the default soft floor); from a full start it changes nothing unless the job needs more than the
 * full bucket minus the reserve.
 */
export function idealTime(
  scenario: Scenario,
  job: Job,
  levelsAtFirst: ClassLevels,
  done?: Iterable<string>,
  storms: Array<{ from: number; to: number }> = [],
  floorAware = false,
): Ideal {
  const doneIds = done === undefined ? undefined : [...done];
  const classes = jobClasses(job);
  const parts = classes
    .map((modelClass) => ({ modelClass, c: consumption(job, doneIds, modelClass) }))
    .filter((p, i, all) => p.c.lines > 0 || (i === 0 && all.every((x) => x.c.lines === 0)));
  let slowest: { modelClass: ModelClass; end: number; part: ReturnType<typeof classBound> } | undefined;
  let boundRps = 0;
  let longestOutput = 0;
  for (const { modelClass, c } of parts) {
    const part = classBound(scenario, modelClass, c, levelsOf(scenario, levelsAtFirst, modelClass), floorAware ? floorReserve(scenario, modelClass) : undefined);
    let seconds = part.seconds;
    for (const s of storms) if (seconds > s.from && seconds < s.to) seconds = s.to;
    const end = seconds + part.latencySec;
    if (!slowest || end > slowest.end) slowest = { modelClass, end, part };
    boundRps += part.boundRps;
    longestOutput = Math.max(longestOutput, c.longestOutput);
  }
  const longestReplySec = (scenario.latency.baseMs + scenario.latency.perOutputTokenMs * longestOutput) / 1000;
  const { part, end, modelClass } = slowest!;
  // Both are lower bounds on the end: the quota's pace plus a mean reply, and the longest reply
  // (a job that fits in full buckets is sent at once and ends with its longest reply, not its mean).
  return { seconds: Math.max(end, longestReplySec), binding: part.binding, perDim: part.perDim, latencySec: part.latencySec, longestReplySec, boundRps, bindingClass: modelClass };
}

/**
 * The bound with the scenario's fallback chain: the job's lines may be answered by their own class
 * or by any class of their chain, so every one of those classes' buckets works at once and the work
 * is split so they all end together — the smallest T at which the shares each class can have done
 * by T (its start level plus its refill, less the reserve, over the job's consumption, in its
 * tightest dimension) add up to the whole job. Plus one mean reply, and never less than the longest.
 * Undefined unless every line of the job names one model and that model has a chain.
 */
export function chainIdealTime(
  scenario: Scenario,
  job: Job,
  levelsAtFirst: ClassLevels,
  floorAware = false,
): { seconds: number; boundRps: number; classes: ModelClass[] } | undefined {
  const models = new Set([...job.costs.values()].map((c) => c.model));
  const chains = scenario.fallback?.chains;
  const [model] = models;
  if (models.size !== 1 || model === undefined || !chains || !Object.hasOwn(chains, model)) return undefined;
  const classes = [...new Set([model, ...chains[model]!].map(classOf))];
  const c = consumption(job);
  const need: Record<Dim, number> = { requests: c.requests, input: c.input, output: c.output };
  const shareBy = (T: number) =>
    classes.reduce((sum, modelClass) => {
      const levels = levelsOf(scenario, levelsAtFirst, modelClass);
      const reserve = floorAware ? floorReserve(scenario, modelClass) : undefined;
      const share = Math.min(
        ...DIMS.filter((d) => need[d] > 0).map((d) => coveredBy(T, levels[LEVEL_KEY[d]] - (reserve?.[d] ?? 0), limitOf(scenario, d, modelClass) / 60, tenantDrain(scenario, d)) / need[d]),
      );
      return sum + Math.min(1, Math.max(0, share));
    }, 0);
  const own = idealTime(scenario, job, levelsAtFirst, undefined, [], floorAware);
  let lo = 0;
  let hi = Math.max(own.seconds, 1);
  if (shareBy(lo) >= 1) hi = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-4; i++) {
    const mid = (lo + hi) / 2;
    if (shareBy(mid) >= 1) hi = mid;
    else lo = mid;
  }
  const meanOutput = c.lines ? c.output / c.lines : 0;
  const latencySec = (scenario.latency.baseMs + scenario.latency.perOutputTokenMs * meanOutput) / 1000;
  const boundRps = classes.reduce((sum, modelClass) => {
    const perLine = Math.max(...DIMS.filter((d) => need[d] > 0).map((d) => need[d] / c.lines / (limitOf(scenario, d, modelClass) / 60)));
    return sum + (perLine > 0 ? 1 / perLine : 0);
  }, 0);
  return { seconds: Math.max(hi + latencySec, own.longestReplySec), boundRps, classes };
}

/** Each class's bucket levels when the first request arrived: the levels at creation plus refill since (capped). */
function levelsAt(scenario: Scenario, record: Pick<RunRecord, 'levelsAtCreation' | 'createdAt'>, at: number): ClassLevels {
  const dt = Math.max(0, at - record.createdAt) / 1000;
  const lift = (levels: BucketLevels, modelClass: ModelClass, dim: Dim) =>
    Math.min(limitOf(scenario, dim, modelClass), levels[LEVEL_KEY[dim]] + (limitOf(scenario, dim, modelClass) / 60) * dt);
  return Object.fromEntries(
    Object.entries(record.levelsAtCreation).map(([c, l]) => [c, { requests: lift(l, c, 'requests'), inputTokens: lift(l, c, 'input'), outputTokens: lift(l, c, 'output') }]),
  );
}

interface TimelinePoint {
  /** Seconds (simulated) since the first request. */
  t: number;
  rps: number;
  /** Remaining of the binding bucket (of the binding class), as a share of its limit (may dip below 0: output is charged after generation). */
  remaining: number;
}

export interface Figures {
  scenario: string;
  contender: string;
  status: 'finished' | 'deadline' | 'cap' | 'error';
  detail: string | undefined;
  lines: number;
  linesDone: number;
  /** First request → last completion (or the stop), simulated seconds. */
  elapsedSec: number | null;
  /** Ideal time for the whole job (the raw quota bound: every bucket may be spent to zero). */
  idealSec: number;
  /** The floor-aware bound: the same with Floorline's default soft floor (10% of each token bucket) kept for others. Absent in results written before it existed. */
  floorIdealSec?: number;
  utilization: number | null;
  /** floorIdealSec ÷ actual time (extrapolated like `utilization` when stopped by the time limit). */
  floorUtilization?: number | null;
  /** What the whole job took or, stopped by the time limit, would take at the pace it kept: elapsed ÷ share of lines done. */
  projectedSec?: number | null;
  steady: number | null;
  /** Share of the run (first request → end) during which the binding bucket held under 1% of its limit. */
  emptyShare: number | null;
  binding: Dim;
  /** The model class the binding bucket is of (absent in results written before classes). */
  bindingClass?: ModelClass;
  /** The model classes the job's lines name, when more than one (`boundRps` is then theirs together). */
  jobClasses?: ModelClass[];
  boundRps: number;
  /**
   * With a fallback chain (scenario `fallback`): the bound when the job's lines may also go to the
   * chain's classes — every class's buckets at once, the work split so they end together — raw and
   * floor-aware, and the rate all those classes sustain together. The table's bounds stay the job's own.
   */
  chainIdealSec?: number;
  chainFloorIdealSec?: number;
  chainBoundRps?: number;
  /** Requests that reached the mock's buckets, by the model they named (429s included). */
  sentByModel?: Record<string, number>;
  /** Lines the contender recorded as answered, by the model that answered them (its results file, or the replies' `model`). */
  answeredBy?: Record<string, number>;
  /** Floorline only: result lines that name no answering model, and lines answered by a fallback (`fallback_from` set). */
  unnamedModel?: number;
  fallbackLines?: number;
  /** Floorline only: result lines whose `model` is not the reply's own `message.model`. */
  modelMismatch?: number;
  received: number;
  rateLimited: number;
  overloaded: number;
  retries: number;
  wasted: number;
  billedUsd: number;
  capUsd: number | undefined;
  overshootUsd: number;
  floorHoldSec: number | null;
  cooldownSec: number | null;
  cpuUsPerRequest: number | null;
  peakRssMb: number | null;
  realSeconds: number;
  timeline: TimelinePoint[];
}

export function figures(scenario: Scenario, job: Job, record: RunRecord): Figures {
  const r = record.result;
  const first = record.firstRequestAt;
  const levelsFirst = levelsAt(scenario, record, first ?? record.createdAt);
  const storms = record.eventTimes.filter((e) => e.kind.startsWith('storm') && e.to !== undefined).map((e) => ({ from: e.from / 1000, to: e.to! / 1000 }));
  const full = idealTime(scenario, job, levelsFirst, undefined, storms);
  const floorAware = idealTime(scenario, job, levelsFirst, undefined, storms, true);
  const chain = chainIdealTime(scenario, job, levelsFirst);
  const chainFloor = chainIdealTime(scenario, job, levelsFirst, true);
  const finished = r?.stoppedBy === 'finished' && record.doneKeys.length === job.lines.length;
  const end = finished ? record.lastCompletionAt : (r?.endedAt ?? record.lastCompletionAt);
  const elapsedSec = first !== null && end !== null && end !== undefined ? Math.max(0.001, (end - first) / 1000) : null;
  // Finished: T* ÷ actual. Stopped by the time limit: the full job's T* over its time extrapolated
  // from the share of lines it did (T* × done/total ÷ elapsed).
  const share = record.doneKeys.length / job.lines.length;
  const against = (idealSec: number) =>
    scenario.capBinding || elapsedSec === null || record.doneKeys.length === 0 ? null : finished ? idealSec / elapsedSec : (idealSec * share) / elapsedSec;
  const utilization = against(full.seconds);
  const floorUtilization = against(floorAware.seconds);
  const projectedSec = scenario.capBinding || elapsedSec === null || record.doneKeys.length === 0 ? null : finished ? elapsedSec : elapsedSec / share;

  // Steady state, as the integration test measures it: completions per second from the end of the
  // warm-up to the last completion, over the bound. A run stopped by the time limit: up to the stop.
  let steady: number | null = null;
  const stoppedAtDeadline = !finished && r?.stoppedBy === 'deadline' && end !== null && end !== undefined;
  if (scenario.steadyWarmupSec !== undefined && first !== null && record.lastCompletionAt !== null && (finished || stoppedAtDeadline)) {
    const from = first + scenario.steadyWarmupSec * 1000;
    const to = finished ? record.lastCompletionAt : end!;
    if (to - from >= 3_000) {
      const atFrom = interpolate(record.samples, from);
      const atTo = finished ? job.lines.length : interpolate(record.samples, to);
      steady = ((atTo - atFrom) * 1000) / (to - from) / full.boundRps;
    }
  }

  const stats = record.stats;
  const succeededResponses = stats.succeeded;
  return {
    scenario: scenario.name,
    contender: record.contender,
    status: r ? (finished ? 'finished' : r.stoppedBy === 'finished' ? 'error' : r.stoppedBy) : 'error',
    detail: record.error ?? r?.detail,
    lines: job.lines.length,
    linesDone: record.doneKeys.length,
    elapsedSec,
    idealSec: full.seconds,
    floorIdealSec: floorAware.seconds,
    utilization,
    floorUtilization,
    projectedSec,
    steady,
    emptyShare: emptyShare(scenario, record, full.binding, full.bindingClass, end ?? null),
    binding: full.binding,
    bindingClass: full.bindingClass,
    ...(jobClasses(job).length > 1 ? { jobClasses: jobClasses(job) } : {}),
    boundRps: full.boundRps,
    ...(chain && chainFloor ? { chainIdealSec: chain.seconds, chainFloorIdealSec: chainFloor.seconds, chainBoundRps: chain.boundRps } : {}),
    sentByModel: record.sentByModel,
    ...(r?.answeredBy ? { answeredBy: r.answeredBy } : {}),
    ...(r?.unnamedModel !== undefined ? { unnamedModel: r.unnamedModel } : {}),
    ...(r?.fallbackLines !== undefined ? { fallbackLines: r.fallbackLines } : {}),
    ...(r?.modelMismatch !== undefined ? { modelMismatch: r.modelMismatch } : {}),
    received: stats.received,
    rateLimited: stats.rateLimited,
    overloaded: stats.byStatus['529'] ?? 0,
    retries: Math.max(0, stats.received - record.attemptedLines),
    wasted: stats.received - succeededResponses + record.duplicates,
    billedUsd: stats.billedUsd,
    capUsd: record.capUsd,
    overshootUsd: record.capUsd === undefined ? 0 : Math.max(0, stats.billedUsd - record.capUsd),
    floorHoldSec: r?.floorHoldMs !== undefined ? r.floorHoldMs / 1000 : null,
    cooldownSec: r?.cooldownMs !== undefined ? r.cooldownMs / 1000 : null,
    cpuUsPerRequest: r?.cpuUs !== undefined && record.doneKeys.length > 0 ? r.cpuUs / record.doneKeys.length : null,
    peakRssMb: r?.peakRssMb ?? null,
    realSeconds: record.realSeconds,
    timeline: timeline(scenario, record, full.binding, full.bindingClass),
  };
}

/** Share of the samples between the first request and `end` where the bucket (of `modelClass`) was (nearly) empty. */
function emptyShare(scenario: Scenario, record: RunRecord, binding: Dim, modelClass: ModelClass, end: number | null): number | null {
  const first = record.firstRequestAt;
  if (first === null || end === null) return null;
  const inRun = record.samples.filter((s) => s.at >= first && s.at <= end && s.levels[modelClass] !== undefined);
  if (inRun.length < 2) return null;
  const limit = limitOf(scenario, binding, modelClass);
  return inRun.filter((s) => s.levels[modelClass]![LEVEL_KEY[binding]] < 0.01 * limit).length / inRun.length;
}

/** Successes at time `at`, linearly between samples. */
function interpolate(samples: RunRecord['samples'], at: number): number {
  let prev = samples[0];
  for (const s of samples) {
    if (s.at >= at) {
      if (!prev || s.at === prev.at) return s.succeeded;
      return prev.succeeded + ((s.succeeded - prev.succeeded) * (at - prev.at)) / (s.at - prev.at);
    }
    prev = s;
  }
  return prev?.succeeded ?? 0;
}

/** One point per real second (simulated seconds on the axis), from the first request on. */
function timeline(scenario: Scenario, record: RunRecord, binding: Dim, modelClass: ModelClass): TimelinePoint[] {
  const first = record.firstRequestAt;
  if (first === null || record.samples.length === 0) return [];
  const stepMs = 1000 * scenario.timeScale;
  const last = record.samples[record.samples.length - 1]!.at;
  const limit = limitOf(scenario, binding, modelClass);
  const points: TimelinePoint[] = [];
  let prevCount = interpolate(record.samples, first);
  for (let at = first + stepMs; at <= last + stepMs / 2; at += stepMs) {
    const count = interpolate(record.samples, Math.min(at, last));
    const span = (Math.min(at, last) - (at - stepMs)) / 1000;
    const nearest = record.samples.reduce((a, b) => (Math.abs(b.at - at) < Math.abs(a.at - at) ? b : a));
    points.push({ t: (Math.min(at, last) - first) / 1000, rps: span > 0 ? (count - prevCount) / span : 0, remaining: (nearest.levels[modelClass]?.[LEVEL_KEY[binding]] ?? 0) / limit });
    prevCount = count;
  }
  return points;
}

/** The time the whole job took or, stopped by the time limit, would take at the pace it kept (elapsed ÷ share done). */
export function projectedTime(f: Figures): number | null {
  if (f.projectedSec !== undefined) return f.projectedSec;
  // Results written before `projectedSec` existed.
  return f.utilization ? f.idealSec / f.utilization : null;
}

export const CALM_429_SHARE = 0.01;

export function share429(f: Pick<Figures, 'rateLimited' | 'received'>): number {
  return f.received ? f.rateLimited / f.received : 0;
}

/**
 * The criterion, "Floorline finishes no later than the best contender that keeps 429s ≤ 1%":
 * among the contenders that are not Floorline and had at most 1% of their requests answered 429,
 * the one with the shortest (projected) time for the whole job; and each Floorline front's time
 * relative to it (`meets`: finished, ≤ 1% 429s itself, and no later). Not meaningful where the cap
 * binds (nobody finishes the job).
 */
export interface CalmComparison {
  /** The best calm contender, or undefined when every other contender had more than 1% 429s. */
  best: Figures | undefined;
  floorline: Array<{ figures: Figures; ratio: number | null; meets: boolean | null }>;
}

export function calmComparison(list: Figures[], isFloorline: (name: string) => boolean, exclude: (name: string) => boolean = () => false): CalmComparison {
  const calm = list
    .filter((f) => !isFloorline(f.contender) && !exclude(f.contender) && f.received > 0 && share429(f) <= CALM_429_SHARE && projectedTime(f) !== null)
    .sort((a, b) => projectedTime(a)! - projectedTime(b)!);
  const best = calm[0];
  return {
    best,
    floorline: list
      .filter((f) => isFloorline(f.contender))
      .map((f) => {
        const mine = projectedTime(f);
        const ratio = best && mine !== null ? mine / projectedTime(best)! : null;
        return { figures: f, ratio, meets: ratio === null ? null : f.status === 'finished' && ratio <= 1 && share429(f) <= CALM_429_SHARE };
      }),
  };
}
