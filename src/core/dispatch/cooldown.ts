// What a 429 or 529 does to everything not yet sent: a pause for every run on the key, then one
// streamed request first, and the rest only once the API has accepted it.
//
// One push-back pauses every new dispatch, not just the request that met it: the bucket is empty,
// or the API is overloaded, for all of us, and a 529 comes back at once — without a pause every
// queued line would be sent into the overload and come back needing a retry. When the pause ends,
// one request goes first, streamed (its headers arrive on admission, ~50 ms), and the rest wait for
// it: sending a whole window into an overload that may still be on came back as a wave of 529s.
import { capServerWait, cappedWaitNote } from '../limits/rate-limit-headers';
import { exponentialMs } from './retry-policy';
import { pushbackWords, type Hold, type PushbackCause } from './hold';

/**
 * A 529 pauses new dispatches briefly: 250 ms, doubling while 529s continue, never above 1 s.
 * While an overload goes on only the probe goes out per pause, so longer pauses would save nothing
 * and only leave the run standing after the overload ends.
 */
const OVERLOAD_PAUSE_BASE_MS = 250;
const OVERLOAD_PAUSE_MAX_MS = 1_000;

/** A pause that began: what to tell the log and the other participants of a shared quota. */
export interface PauseStarted {
  pauseMs: number;
  message: string;
}

export class Cooldown<Probe> {
  private until = 0;
  private cause: PushbackCause = 'rate-limited';
  /** Overloaded (529) answers since the last success: each one doubles the next pause. */
  private consecutiveOverloads = 0;
  private lastOverloadAt = Number.NEGATIVE_INFINITY;
  private awaitingAdmission = false;
  private probe: Probe | undefined;

  constructor(private readonly random: () => number) {}

  /** Until when new dispatches wait, if they do. */
  pausedUntil(now: number): number | undefined {
    return this.until > now ? this.until : undefined;
  }

  /**
   * Why the dispatcher holds now, if it does because of a push-back: the pause (`until` its end),
   * or the probe out (no end time: its headers or its answer end the wait).
   */
  hold(now: number): { hold: Hold; until: number | undefined } | undefined {
    if (this.until > now) return { hold: { kind: 'cooldown', cause: this.cause, waitMs: this.until - now }, until: this.until };
    if (this.awaitingAdmission && this.probe !== undefined) return { hold: { kind: 'probe', cause: this.cause }, until: undefined };
    return undefined;
  }

  /** A request is going out: after a pause, the first one is the probe. */
  sending(item: Probe): void {
    if (this.awaitingAdmission && this.probe === undefined) this.probe = item;
  }

  isProbe(item: Probe): boolean {
    return this.probe === item;
  }

  /** The API accepted this request (its headers came): if it was the probe, the rest may go. */
  accepted(item: Probe): boolean {
    if (this.probe !== item) return false;
    this.probe = undefined;
    this.awaitingAdmission = false;
    return true;
  }

  /**
   * This request came back. If it was the probe it is out no more; unless it was pushed back again
   * (then the pause that follows sends another), the API has answered and the rest may go.
   */
  answered(item: Probe, pushedBack: boolean): void {
    if (this.probe !== item) return;
    this.probe = undefined;
    if (!pushedBack) this.awaitingAdmission = false;
  }

  /** This request came back a success: one sent after the last 529 ends the overload's escalation. */
  succeeded(item: Probe, sentAt: number): void {
    this.answered(item, false);
    if (sentAt > this.lastOverloadAt) this.consecutiveOverloads = 0;
  }

  /**
   * A 429 or 529 for a request sent at `sentAt`. Returns the pause it started, or undefined when it
   * changes nothing: a 529 for a request already in the air when the last one came back is the same
   * news (a burst's 529s return over a second or more, as many as were in flight; each restarting
   * the pause kept every new request waiting until the last of them was in).
   */
  pushback(cause: PushbackCause, now: number, sentAt: number, retryAfterMs: number | undefined, retryAfterAskedMs?: number): PauseStarted | undefined {
    if (cause === 'overloaded') {
      if (sentAt <= this.lastOverloadAt) return undefined;
      this.consecutiveOverloads++;
      this.lastOverloadAt = now;
    }
    this.awaitingAdmission = true;
    // Without retry-after (a 529): 250 ms, doubling per 529 since the last success up to 1 s,
    // jittered (50–100%).
    const backoffMs = exponentialMs(this.consecutiveOverloads, { baseMs: OVERLOAD_PAUSE_BASE_MS, capMs: OVERLOAD_PAUSE_MAX_MS });
    // A retry-after is held to MAX_SERVER_WAIT_MS (the classifier already did; this pause, shared
    // with every other process through the coordinator, must stay bounded whoever calls it).
    const asked = retryAfterAskedMs ?? retryAfterMs;
    const server = asked === undefined ? undefined : capServerWait(asked);
    const pauseMs = server?.waitMs ?? Math.ceil(backoffMs * (0.5 + 0.5 * this.random()));
    const until = now + pauseMs;
    if (until <= this.until) return undefined;
    this.until = until;
    this.cause = cause;
    return {
      pauseMs,
      message: `${pushbackWords(cause)}: all new requests wait ${(pauseMs / 1000).toFixed(1)} s` + (server?.askedMs === undefined ? '' : ` (${cappedWaitNote(server.askedMs)})`),
    };
  }
}
