// The situations every contender is put through. Each one is a fresh mock API (the project's own,
// src/core/simulator/mock-server.ts: continuous token buckets, real headers, 429 with retry-after)
// with the same configuration for every contender, and the same JSONL job.
import type { LatencyModel, MockLimits, TenantLoad } from '../src/core/simulator/mock-server';
import { REALISTIC_LATENCY } from '../src/core/simulator/mock-server';
import { TIERS } from '../src/core/tiers';

export interface JobSpec {
  lines: number;
  model: string;
  maxTokens: number;
  /** Characters of each line's own prompt, spread evenly over [min, max] (about 4 per token). */
  promptChars: [number, number];
  /** Output tokens each line's reply has, spread evenly over [min, max] (always ≤ max_tokens). */
  outputTokens: [number, number];
  /** A system prompt shared by every line; `cached` marks it with cache_control. */
  system?: { chars: number; cached: boolean };
}

export type ScenarioEvent =
  /** Another tenant of the org starts consuming the same buckets (units per second). */
  | { at: number; kind: 'tenant'; load: TenantLoad }
  /** For `seconds`, every request the API receives is answered with `status` (429 carries retry-after). */
  | { at: number; kind: 'storm'; status: 429 | 529; seconds: number; retryAfterSec?: number };

export interface Scenario {
  name: string;
  title: string;
  /** One sentence for the report. */
  description: string;
  /** What the mock enforces and its headers announce; also what the static limiters are configured from. */
  limits: MockLimits;
  initial: 'full' | 'drained';
  /** The mock's latency in simulated milliseconds (divided by `timeScale` for real timers). */
  latency: LatencyModel;
  job: JobSpec;
  /** K: simulated seconds per real second. 1 = real time. */
  timeScale: number;
  /** Spend cap for every contender, as a multiple of the job's expected cost. */
  capFactor: number;
  /** Event times are simulated seconds after the contender's first request. */
  events: ScenarioEvent[];
  /** A run is stopped at this multiple of the ideal time (plus `timeLimitPadSec`). */
  timeLimitFactor: number;
  timeLimitPadSec: number;
  /** Steady state is measured from this many seconds after the first request (drained scenarios). */
  steadyWarmupSec?: number;
  /** The cap is part of the test: contenders are expected to stop at it, not finish the job. */
  capBinding?: boolean;
  /** Part of the `--quick` smoke run (which covers every mechanism once, small). */
  quick?: boolean;
  /**
   * Why Floorline may not be ahead here and what in Floorline would change that. Printed only when
   * a run shows it behind; the mechanism is documented in bench/README.md.
   */
  whenBehind?: string;
}

const MANY = 1_000_000_000;
/** The integration tests' latency: 300 ms to first token, 1 ms per output token, ±10%. */
const FIXTURE_LATENCY: LatencyModel = { baseMs: 300, perOutputTokenMs: 1, jitter: 0.1 };
const MODEL = 'claude-haiku-4-5';

// Why Floorline is behind where it is — each cause confirmed by a diagnostic run against src/ at the time of the run (bench/README.md).
export const CAUSES = {
  floorHeadStart:
    '**The soft floor costs a head start against drained buckets.** Floorline sends nothing until *every* token bucket has refilled to its soft floor (10% = 6 s of refill, even a bucket the job barely uses), ' +
    'and it ends the job with that 10% unused; a contender that rides the bucket at zero gains those 6 s (on a job of N seconds, 6/(N+6)). ' +
    "That is the floor doing its job — headroom for everyone else on the key (see the \"bucket empty\" column) — but if wanted: let only the binding bucket's floor gate at the start, or pace below the floor at a fraction of the refill rate instead of holding completely.",
  burst:
    "**A full bucket is not spent.** The auto in-flight ceiling is Little's law on the *refill* rate (`sustainableRate`, +25% headroom), so Floorline drains a full bucket at no more than 1.25× the refill rate " +
    '(here 11 in flight, 26 req/s against a 20 req/s refill: the bucket falls only from 100% to ~75% over the run) while contenders with more workers spend it at once. ' +
    "Fix: size the ceiling for the rate the buckets allow over the next few seconds — refill + (remaining − soft floor) ÷ horizon — not the refill alone.",
  overload:
    '**529 bursts become a retry backlog.** A 529 halves the in-flight ceiling but sets no cool-down, and a 529 comes back at once, so Floorline keeps dispatching fresh lines into the overload: ' +
    'within the one-second burst every one of the 800 lines was sent and answered 529. Each then needs a retry, and the retry budget (30/min) releases one every 2 s, so the job crawls at ~0.5 lines/s. ' +
    '(ba7683f, which lets fresh lines pass a retry that waits for the budget, cannot help here: no fresh line is left.) ' +
    'Fix: a global cool-down with jittered backoff after a 529, as after a 429, so one overloaded answer pauses new dispatches; and do not spend the retry budget on requests the API refused before doing any work (429/529), or scale it with the run.',
  cacheCap:
    "**The spend cap's worst case for cached prompts is ~12× the real cost.** A request that asks for caching is reserved as if every prompt token were a 1-hour cache write ($2/M for Haiku 4.5) although the request asks for the 5-minute TTL and, once the prefix is cached, is billed at the read price ($0.10/M). " +
    'With the cap at 1.1× the expected cost, the reservations squeeze the in-flight count as spend grows (48 → 7 req/s over the run). Without the cap (`--no-cap`), the same run reaches 73% (the floor head start only). ' +
    'Fix: reserve at the TTL the request asks for, and after the first responses use the learned cache-read share (plus a margin) instead of the all-write worst case.',
  rpmNoFloor:
    '**The RPM bucket has no floor.** Floorline holds the token buckets above 10% but runs RPM down to zero (requests are "exact and floorless"), so in an RPM-bound job every other user of the key meets an empty RPM bucket (the core\'s "bucket empty" share). ' +
    'Not a utilization loss — the opposite — but the one dimension where Floorline leaves no headroom. Fix, if wanted: a soft floor for RPM too.',
  tenant:
    `Contenders above 100% here are taking the second tenant's share: the mock lets a tenant consume only while the bucket is positive, so a client that keeps it at zero starves the tenant and gets the whole refill (their "bucket empty" share is the time the other tenant was refused). ` +
    "Floorline leaves the tenant its share, which the ideal time assumes.",
} as const;

export function scenarios(quick: boolean): Scenario[] {
  const q = (full: number, small: number) => (quick ? small : full);
  const drainedOtpm: MockLimits = { requestsPerMinute: 6_000, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: 300_000 };
  const shortJob = (lines: number): JobSpec => ({
    lines,
    model: MODEL,
    maxTokens: 200,
    promptChars: [150, 330],
    outputTokens: [60, 140],
  });
  const common = { timeScale: 1, latency: FIXTURE_LATENCY, capFactor: 1.1, events: [] as ScenarioEvent[], timeLimitFactor: 2, timeLimitPadSec: 6 };
  const seedScale = q(20, 30);

  return [
    {
      ...common,
      name: 'otpm',
      quick: true,
      title: 'OTPM-bound, drained',
      description: '300k OTPM (5,000 output tokens/s), ~100-token replies: bound 50 req/s; every bucket starts empty.',
      limits: drainedOtpm,
      initial: 'drained',
      job: shortJob(q(800, 150)),
      steadyWarmupSec: q(10, 7),
      whenBehind: CAUSES.floorHeadStart,
    },
    {
      ...common,
      name: 'itpm',
      title: 'ITPM-bound, drained',
      description: '3M ITPM (50,000 input tokens/s), ~1,000-token prompts, ~20-token replies: bound ~50 req/s; every bucket starts empty.',
      limits: { requestsPerMinute: 6_000, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: 600_000 },
      initial: 'drained',
      job: { lines: q(800, 200), model: MODEL, maxTokens: 50, promptChars: [3_600, 4_400], outputTokens: [10, 30] },
      steadyWarmupSec: q(10, 7),
      whenBehind: CAUSES.floorHeadStart,
    },
    {
      ...common,
      name: 'rpm',
      title: 'RPM-bound, drained',
      description: '3,000 RPM (50 req/s), short prompts and ~50-token replies; every bucket starts empty.',
      limits: { requestsPerMinute: 3_000, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: 600_000 },
      initial: 'drained',
      job: { ...shortJob(q(800, 200)), maxTokens: 100, outputTokens: [30, 70] },
      steadyWarmupSec: q(10, 7),
      whenBehind: CAUSES.floorHeadStart,
    },
    {
      ...common,
      name: 'burst',
      title: 'Full bucket, then a long job',
      description: '120k OTPM (bound 20 req/s at ~100-token replies) starting full: the job is 4/3 of what the full bucket holds, so the first part can go at once.',
      // Quick: a smaller bucket so the job still outgrows it.
      limits: { requestsPerMinute: 6_000, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: q(120_000, 36_000) },
      initial: 'full',
      job: shortJob(q(1_600, 400)),
      whenBehind: CAUSES.burst,
    },
    {
      ...common,
      name: 'tenant',
      quick: true,
      title: 'Second tenant mid-run',
      description: 'OTPM-bound as above (drained); 6 s after the first request another tenant starts using 40% of the OTPM refill (2,000 tokens/s) for the rest of the run.',
      limits: drainedOtpm,
      initial: 'drained',
      job: shortJob(q(800, 150)),
      events: [{ at: q(6, 3), kind: 'tenant', load: { outputPerSec: 2_000 } }],
      whenBehind: `${CAUSES.tenant} ${CAUSES.floorHeadStart}`,
    },
    {
      ...common,
      name: 'storm',
      quick: true,
      title: '429 storm and 529 bursts',
      description:
        'OTPM-bound as above (drained); every request is answered 429 (retry-after 2 s) for 3 s from t=6 s, and 529 for 1 s at t=12 s and again at t=15 s. The buckets keep refilling meanwhile.',
      limits: drainedOtpm,
      initial: 'drained',
      job: shortJob(q(800, 150)),
      events: [
        { at: q(6, 3), kind: 'storm', status: 429, seconds: 3, retryAfterSec: 2 },
        { at: q(12, 7), kind: 'storm', status: 529, seconds: 1 },
        { at: q(15, 9), kind: 'storm', status: 529, seconds: 1 },
      ],
      whenBehind: `${CAUSES.overload} ${CAUSES.floorHeadStart}`,
    },
    {
      ...common,
      name: 'cache',
      quick: true,
      title: 'Large cached system prompt',
      description:
        'A 4,000-token system prompt marked cache_control, shared by every line. 600k ITPM would allow 2.5 req/s uncached; cache reads do not count toward ITPM, so 3,000 RPM (50 req/s) binds. Drained.',
      limits: { requestsPerMinute: 3_000, inputTokensPerMinute: 600_000, outputTokensPerMinute: 600_000 },
      initial: 'drained',
      job: { ...shortJob(q(800, 150)), maxTokens: 100, outputTokens: [30, 70], system: { chars: 16_000, cached: true } },
      steadyWarmupSec: q(10, 7),
      whenBehind: `${CAUSES.cacheCap} ${CAUSES.floorHeadStart}`,
    },
    {
      ...common,
      name: 'spend-cap',
      quick: true,
      title: 'Spend cap below the job',
      description: 'Generous limits (full buckets); the cap is half of what the job would cost, so every contender must stop at it. Shows overshoot; utilization does not apply.',
      limits: { requestsPerMinute: 6_000, inputTokensPerMinute: 3_000_000, outputTokensPerMinute: 600_000 },
      initial: 'full',
      job: { lines: q(600, 150), model: MODEL, maxTokens: 500, promptChars: [150, 330], outputTokens: [200, 400] },
      capFactor: 0.5,
      capBinding: true,
      timeLimitPadSec: 40,
    },
    {
      ...common,
      name: 'seed',
      quick: true,
      title: `Seed job: ${q(18_000, 3_000).toLocaleString('en')} prompts at Start tier (time ×${seedScale})`,
      description:
        `${q(18_000, 3_000).toLocaleString('en')} prompts of ~400 input and ~200 output tokens against the published Start-tier limits (1,000 RPM, 2M ITPM, 400k OTPM; RPM binds), starting full, ` +
        `with the mock's realistic latency (0.5 s + 12.5 ms per output token). Simulated time runs ${seedScale}× faster than real time in the mock and in every contender's process.`,
      limits: { ...TIERS.start },
      initial: 'full',
      latency: { ...REALISTIC_LATENCY },
      timeScale: seedScale,
      job: { lines: q(18_000, 3_000), model: MODEL, maxTokens: 400, promptChars: [1_400, 1_800], outputTokens: [100, 300] },
      timeLimitFactor: 2,
      timeLimitPadSec: 30,
      whenBehind: CAUSES.rpmNoFloor,
    },
  ];
}

export { MANY };
