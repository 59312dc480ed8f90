// How long a run will take, said before it starts — pure arithmetic, no I/O.
//
// The dispatcher sends a request when two things allow it, so the run goes at the slower of them:
//   · the quota: each bucket is full at the start, and what lies above its soft floor (all of it for
//     requests, which have no floor) may be spent at once; after that the refill, limit/60 per second.
//   · the in-flight ceiling, through Little's law: λ = L / W — L requests in flight, each taking W
//     seconds, finish (and so make room) L / W times a second.
// The first request goes alone (a probe: nothing else leaves until a reply has told the dispatcher
// the limits), so the rest start one reply later; from then on the ceiling is at its settled value
// (Little's law, up to the cap C), so the ceiling's path sends C every reply time.
// The run ends when the last reply comes back, and the last reply is the slowest of those still in
// flight: for m of them spread evenly up to the longest reply, E[max] = mean + (max − mean)·(m−1)/(m+1).
//
// The range comes from the reply time: the whole timeline is redone with replies `spread` faster and
// slower. A quota-bound run hardly moves with it (its pace is the refill); a ceiling-bound one
// moves in proportion.
//
// The quota's side also counts the refill a full bucket loses while the probe is out.
//
// Known error of the formula: the two paths are combined as if each ran alone (where both bind at
// once the real run is a little slower), and replies are spread evenly between mean and max.
import type { TierLimits } from './tiers';
import { type FloorSpec, resolveFloor } from './limits/floors';
import { DEFAULTS } from './config';
import { formatDuration } from './format';

/** How long replies take, in seconds. */
export interface ReplyTimes {
  /** The average reply: Little's W. */
  mean: number;
  /** The longest single reply: the slowest of the last requests in flight sets the end. */
  max: number;
  /** How far the average may be off, as a share either way (0.5 = from half to 1.5×): the range. */
  spread: number;
  /** Output tokens per reply these times are for, when they know better than max_tokens × share (the simulator). */
  outputTokens?: number;
  /**
   * CPU this process spends per request (the SDK, HTTP, JSON — and, for a rehearsal, the simulator
   * serving it in the same process): with a thousand in flight the event loop, not the quota, can
   * set the pace.
   */
  cpuSeconds?: number;
}

/** The in-flight ceiling a run will use: fixed, or `auto` up to a cap. */
export interface CeilingPolicy {
  maxInFlight: number | 'auto';
  /** The most `auto` may choose. */
  cap: number;
}

/** The dispatcher's own defaults (dispatcher.ts, in-flight-ceiling.ts). */
const DEFAULT_CEILING: Readonly<CeilingPolicy> = { maxInFlight: 'auto', cap: DEFAULTS.maxInFlightCap };

/**
 * The real API's replies, as first assumed: ~0.5 s to the first token, then ~80 output tokens a
 * second (the simulator's `REALISTIC_LATENCY` is built from these). Replies vary with the model and
 * the load, so the average is only known to within half either way.
 */
export const API_REPLY_MODEL = {
  firstTokenSeconds: 0.5,
  outputTokensPerSecond: 80,
  spread: 0.5,
} as const;

export interface RequestShape {
  model: string;
  /** Expected output tokens per request. */
  outputTokens: number;
  /** max_tokens per request, on average. */
  maxTokens: number;
}

/**
 * CPU per request, measured on the 2-core machine the bench runs on (`npm run bench:preflight`
 * prints user time): the client alone ~1 ms; with the simulator serving it in the same process ~4 ms.
 */
const CLIENT_CPU_SECONDS = 0.001;
export const SIMULATOR_CPU_SECONDS = 0.004;

/** Reply times against the real API: the average reply has the expected output; the longest, max_tokens. */
export function apiReplyTimes(shape: RequestShape): ReplyTimes {
  const m = API_REPLY_MODEL;
  const at = (tokens: number) => m.firstTokenSeconds + tokens / m.outputTokensPerSecond;
  return { mean: at(shape.outputTokens), max: at(Math.max(shape.outputTokens, shape.maxTokens)), spread: m.spread, cpuSeconds: CLIENT_CPU_SECONDS };
}


export interface DurationInput {
  requests: number;
  /** Per request, on average (what the ITPM bucket is charged). */
  inputTokens: number;
  /** Per request, on average. */
  outputTokens: number;
  limits: TierLimits;
  replies: ReplyTimes;
  /** Default: auto, cap 64. */
  inFlight?: CeilingPolicy;
  /** Default: 10% (token buckets; requests have none). */
  softFloor?: FloorSpec;
}

export type DurationBinding = 'requests' | 'input tokens' | 'output tokens' | 'in-flight ceiling' | 'this process';

export interface DurationEstimate {
  expectedSeconds: number;
  /** [low, high]: the same timeline with replies `spread` faster and slower. */
  range: [number, number];
  /** What sets the pace: a bucket's refill, or the in-flight ceiling × the reply time. */
  binding: DurationBinding;
  /** Requests in flight at the settled pace (λ·W). */
  inFlight: number;
  /** The average reply, seconds. */
  replySeconds: number;
  /** Requests per second at the settled pace. */
  requestsPerSecond: number;
  /** Probe and ramp: seconds until the ceiling is at its settled value (or the last request left). */
  rampSeconds: number;
}

interface Timeline {
  seconds: number;
  binding: DurationBinding;
  inFlight: number;
  requestsPerSecond: number;
  rampSeconds: number;
}

/** The per-request charge, the room above the floor and the refill of each bucket. */
function buckets(input: DurationInput): Array<{ name: DurationBinding; perRequest: number; burst: number; refillPerSecond: number }> {
  const floor = input.softFloor ?? DEFAULTS.softFloor;
  const l = input.limits;
  const output = input.replies.outputTokens ?? input.outputTokens;
  const token = (limit: number) => Math.max(0, limit - resolveFloor(floor, limit));
  return [
    { name: 'requests' as const, perRequest: 1, burst: l.requestsPerMinute, refillPerSecond: l.requestsPerMinute / 60 },
    { name: 'input tokens' as const, perRequest: input.inputTokens, burst: token(l.inputTokensPerMinute), refillPerSecond: l.inputTokensPerMinute / 60 },
    { name: 'output tokens' as const, perRequest: output, burst: token(l.outputTokensPerMinute), refillPerSecond: l.outputTokensPerMinute / 60 },
  ].filter((b) => b.perRequest > 0 && b.refillPerSecond > 0);
}

/** When the last reply arrives, for replies of average `w` and longest `wMax` seconds. */
function timeline(input: DurationInput, w: number, wMax: number): Timeline {
  const policy = input.inFlight ?? DEFAULT_CEILING;
  const cap = Math.max(1, policy.maxInFlight === 'auto' ? policy.cap : policy.maxInFlight);
  const n = input.requests - 1; // after the probe, which goes alone and takes one reply

  // The ceiling's path: from the probe's reply on, `cap` in flight, each making room every w
  // seconds. (With `auto` the ceiling is Little's law from then on, which aims above the quota's
  // rate, so where it is under the cap the quota's path below is the slower one and counts.)
  let sendAt = n <= 0 ? 0 : w + (Math.max(0, n - cap) * w) / cap;
  let inFlight = n <= 0 ? 1 : Math.min(n, cap);
  const rampSeconds = n <= 0 ? 0 : w;
  let binding: DurationBinding = 'in-flight ceiling';
  let requestsPerSecond = inFlight / w;

  // The quota's path. Over any stretch from s to the end a bucket lets out at most its room above the
  // floor plus its refill, so the last request leaves no sooner than s + (N − sent by s − room) / refill,
  // for every s. The tightest s is the last moment the bucket was still full, its refill overflowing:
  // just before the probe's reply, when only the probe had been sent.
  for (const b of buckets(input)) {
    if (n <= 0) break;
    const rate = b.refillPerSecond / b.perRequest;
    const room = b.burst / b.perRequest;
    const at = w + (n - room) / rate;
    if (at > sendAt) {
      sendAt = at;
      binding = b.name;
      requestsPerSecond = rate;
      inFlight = Math.min(cap, Math.max(1, rate * w));
    }
  }
  // This process: every request after the probe costs it `cpuSeconds`, one at a time.
  const cpu = input.replies.cpuSeconds ?? 0;
  if (n > 0 && cpu > 0 && w + n * cpu > sendAt) {
    // Named as the pace only where it clearly is (not for the few milliseconds a small job spends).
    if (w + n * cpu > 1.1 * sendAt) {
      binding = 'this process';
      requestsPerSecond = 1 / cpu;
      inFlight = Math.min(n, cap, Math.max(1, w / cpu));
    }
    sendAt = w + n * cpu;
  }
  const slowest = w + ((wMax - w) * (inFlight - 1)) / (inFlight + 1);
  return { seconds: sendAt + slowest, binding, inFlight, requestsPerSecond, rampSeconds };
}

export function estimateDuration(input: DurationInput): DurationEstimate {
  const { mean, spread } = input.replies;
  const max = Math.max(mean, input.replies.max);
  const expected = timeline(input, mean, max);
  const low = timeline(input, mean * (1 - spread), max * (1 - spread));
  const high = timeline(input, mean * (1 + spread), max * (1 + spread));
  return {
    expectedSeconds: expected.seconds,
    range: [Math.min(low.seconds, expected.seconds), Math.max(high.seconds, expected.seconds)],
    binding: expected.binding,
    inFlight: expected.inFlight,
    replySeconds: mean,
    requestsPerSecond: expected.requestsPerSecond,
    rampSeconds: expected.rampSeconds,
  };
}

const LIMIT_WORDS: Record<Exclude<DurationBinding, 'in-flight ceiling' | 'this process'>, string> = {
  requests: 'requests per minute',
  'input tokens': 'input tokens per minute',
  'output tokens': 'output tokens per minute',
};

/** "9–14s", or "50s–1m10s" when the units differ. */
function formatRange([low, high]: [number, number]): string {
  const a = formatDuration(low);
  const b = formatDuration(high);
  return /^\d+s$/.test(a) && /^\d+s$/.test(b) ? `${a.slice(0, -1)}–${b}` : `${a}–${b}`;
}

/** `expected ~11s (9–14s: 64 in flight × 1.4 s replies)`, or the limit that sets the pace. */
export function describeDuration(d: DurationEstimate): string {
  const why =
    d.binding === 'in-flight ceiling'
      ? `${Math.round(d.inFlight)} in flight × ${d.replySeconds.toFixed(1)} s replies`
      : d.binding === 'this process'
        ? `this process, ~${Math.round(d.requestsPerSecond)} requests/s`
        : `the ${LIMIT_WORDS[d.binding]} limit, ${d.requestsPerSecond < 10 ? d.requestsPerSecond.toFixed(1) : Math.round(d.requestsPerSecond)} requests/s`;
  return `expected ~${formatDuration(d.expectedSeconds)} (${formatRange(d.range)}: ${why})`;
}
