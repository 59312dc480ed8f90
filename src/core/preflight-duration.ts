// How long a run will take, said before it starts — pure arithmetic, no I/O.
//
// The dispatcher sends a request when two things allow it, so the run goes at the slower of them:
//   · the quota: each bucket is full at the start, and what lies above its soft floor (all of it for
//     requests, which have no floor) may be spent at once; after that the refill, limit/60 per second.
//   · the in-flight ceiling, through Little's law: λ = L / W — L requests in flight, each taking W
//     seconds, finish (and so make room) L / W times a second.
// The ceiling is not at its settled value from the start. The first request goes alone (a probe:
// nothing else leaves until a reply has told the dispatcher the limits), so the rest start one reply
// later. With `auto` the ceiling then starts at 4 and grows by 0.5 with every reply: ×1.5 per round
// trip. Round k sends c = 4·1.5^k requests, so by the round whose ceiling is c the ramp has sent
// D(c) = (1.5·c − 4) / 0.5 = 3c − 8; the rest go at C / W once the ceiling is at its cap C. (Little's
// law never sets the ceiling below the quota's rate — it aims 25% above it — so the slower of the
// two paths is the one that counts.)
// The run ends when the last reply comes back, and the last reply is the slowest of those still in
// flight: for m of them spread evenly up to the longest reply, E[max] = mean + (max − mean)·(m−1)/(m+1).
//
// The range comes from the reply time: the whole timeline is redone with replies `spread` faster and
// slower. A quota-bound run hardly moves with it (its pace is the refill); a ceiling-bound one
// moves in proportion.
//
// The quota's side also counts the refill a full bucket loses while the probe and the first ramp rounds
// send less than it brings.
//
// Known error of the formula: the ramp is treated as whole round trips of the average reply (the real
// one grows with each reply, a little faster, but its first rounds wait for their slowest request);
// the two paths are combined as if the quota never slowed the ramp (it cannot while the bucket is full).
import type { TierLimits } from './tiers';
import { type FloorSpec, DEFAULT_SOFT_FLOOR, resolveFloor } from './limits/floors';
import { expectedLatency, REALISTIC_LATENCY, type LatencyModel } from './simulator/latency';
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
}

/** The in-flight ceiling a run will use: fixed, or `auto` up to a cap. */
export interface CeilingPolicy {
  maxInFlight: number | 'auto';
  /** The most `auto` may choose. */
  cap: number;
}

/** The dispatcher's own defaults (dispatcher.ts, in-flight-ceiling.ts). */
export const DEFAULT_CEILING: Readonly<CeilingPolicy> = { maxInFlight: 'auto', cap: 64 };
/** Where `auto` starts after the probe, and its growth per round trip (+0.5 per reply). */
const RAMP_START = 4;
const RAMP_GROWTH = 1.5;

/**
 * The real API's replies, as first assumed: time to first token plus output tokens at a steady
 * pace — the same ~0.5 s and ~80 tokens/s the simulator's `REALISTIC_LATENCY` is tuned to. Replies
 * vary with the model and the load, so the average is only known to within half either way.
 */
export const API_REPLY_MODEL = {
  firstTokenSeconds: REALISTIC_LATENCY.baseMs / 1000,
  outputTokensPerSecond: 1000 / REALISTIC_LATENCY.perOutputTokenMs,
  spread: 0.5,
} as const;

export interface RequestShape {
  model: string;
  /** Expected output tokens per request. */
  outputTokens: number;
  /** max_tokens per request, on average. */
  maxTokens: number;
}

/** Reply times against the real API: the average reply has the expected output; the longest, max_tokens. */
export function apiReplyTimes(shape: RequestShape): ReplyTimes {
  const m = API_REPLY_MODEL;
  const at = (tokens: number) => m.firstTokenSeconds + tokens / m.outputTokensPerSecond;
  return { mean: at(shape.outputTokens), max: at(Math.max(shape.outputTokens, shape.maxTokens)), spread: m.spread };
}

/** Reply times of the simulator (`--simulate`), from its own latency model: one source for both. */
export function simulatedReplyTimes(model: LatencyModel): (shape: RequestShape) => ReplyTimes {
  return (shape) => {
    const e = expectedLatency(model, shape.maxTokens);
    return { mean: e.meanMs / 1000, max: e.maxMs / 1000, spread: model.jitter, outputTokens: e.outputTokens };
  };
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

export type DurationBinding = 'requests' | 'input tokens' | 'output tokens' | 'in-flight ceiling';

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
  const floor = input.softFloor ?? DEFAULT_SOFT_FLOOR;
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
  const start = policy.maxInFlight === 'auto' ? Math.min(cap, RAMP_START) : cap;
  const n = input.requests - 1; // after the probe, which goes alone and takes one reply

  // The ceiling's path: when the last request leaves, and how many are in flight then.
  let sendAt: number;
  let inFlight: number;
  let rampSeconds: number;
  const sentByRamp = (c: number) => (RAMP_GROWTH * c - start) / (RAMP_GROWTH - 1);
  const rounds = (c: number) => Math.log(c / start) / Math.log(RAMP_GROWTH);
  if (n <= 0) {
    sendAt = 0;
    inFlight = 1;
    rampSeconds = 0;
  } else if (n <= start) {
    sendAt = w;
    inFlight = n;
    rampSeconds = w;
  } else if (n <= sentByRamp(cap)) {
    // The file ends during the ramp: its last round has ceiling c with D(c) = n.
    const c = ((RAMP_GROWTH - 1) * n + start) / RAMP_GROWTH;
    sendAt = w + rounds(c) * w;
    inFlight = c;
    rampSeconds = sendAt;
  } else {
    rampSeconds = w + rounds(cap) * w;
    sendAt = rampSeconds + ((n - sentByRamp(cap)) * w) / cap;
    inFlight = cap;
  }
  let binding: DurationBinding = 'in-flight ceiling';
  let requestsPerSecond = inFlight / w;

  // The quota's path. Over any stretch from s to the end a bucket lets out at most its room above the
  // floor plus its refill, so the last request leaves no sooner than s + (N − sent by s − room) / refill,
  // for every s. The tightest s is the last moment the bucket was still full, its refill overflowing:
  // just before the probe's reply (only the probe sent), or where the ramp's pace first reaches the
  // refill (the ceiling sends D(c) by the round of ceiling c, at D'(c) = 1.5·ln 1.5 / 0.5 · c / w a second).
  const rampPace = (RAMP_GROWTH * Math.log(RAMP_GROWTH)) / (RAMP_GROWTH - 1);
  for (const b of buckets(input)) {
    if (n <= 0) break;
    const rate = b.refillPerSecond / b.perRequest;
    const room = b.burst / b.perRequest;
    let at = w + (n - room) / rate;
    if (policy.maxInFlight === 'auto' && cap > start) {
      const c = Math.min(cap, (rate * w) / rampPace);
      if (c > start && sentByRamp(c) < n) at = Math.max(at, w + rounds(c) * w + (n - sentByRamp(c) - room) / rate);
    }
    if (at > sendAt) {
      sendAt = at;
      binding = b.name;
      requestsPerSecond = rate;
      inFlight = Math.min(cap, Math.max(1, rate * w));
    }
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

const LIMIT_WORDS: Record<Exclude<DurationBinding, 'in-flight ceiling'>, string> = {
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
      : `the ${LIMIT_WORDS[d.binding]} limit, ${d.requestsPerSecond < 10 ? d.requestsPerSecond.toFixed(1) : Math.round(d.requestsPerSecond)} requests/s`;
  return `expected ~${formatDuration(d.expectedSeconds)} (${formatRange(d.range)}: ${why})`;
}
