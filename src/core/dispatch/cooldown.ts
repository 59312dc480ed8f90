// What a 429 or 529 does to everything not yet sent: a pause for every run on the key, then one
// streamed request first, and the rest only once the API has accepted it. A request that could not
// connect at all does the same, with longer pauses, and a streak of them long enough ends the runs.
//
// One push-back pauses every new dispatch, not just the request that met it: the bucket is empty,
// or the API is overloaded, for all of us, and a 529 comes back at once — without a pause every
// queued line would be sent into the overload and come back needing a retry. When the pause ends,
// one request goes first, streamed (its headers arrive on admission, ~50 ms), and the rest wait for
// it: sending a whole window into an overload that may still be on came back as a wave of 529s.
import { capServerWait, cappedWaitNote } from '../limits/rate-limit-headers';
import { equalJitterMs, exponentialMs } from '../backoff';
import { pushbackWords, type Hold, type PushbackCause } from './hold';

/**
 * A 529 pauses new dispatches briefly: 250 ms, doubling while 529s continue, never above 1 s.
 * While an overload goes on only the probe goes out per pause, so longer pauses would save nothing
 * and only leave the run standing after the overload ends.
 */
const OVERLOAD_PAUSE_BASE_MS = 250;
const OVERLOAD_PAUSE_MAX_MS = 1_000;

/**
 * No connection (refused, no such host, TLS failed): 1 s, doubling while the probes fail, up to
 * 30 s. Without the pause every line of a large file was tried once a millisecond (a refusal comes
 * back at once) and piled up as a retry: ~1,300 attempts a second and a heap growing without end.
 */
const UNREACHABLE_PAUSE_BASE_MS = 1_000;
const UNREACHABLE_PAUSE_MAX_MS = 30_000;
/**
 * How long without a connection before the runs stop (their lines unsent, for a resume): a network
 * blip or a proxy restart is waited out; a wrong base URL or no network at all is said within
 * seconds when nothing has reached the API yet.
 */
export const UNREACHABLE_GIVE_UP_MS = { neverReached: 15_000, reachedBefore: 120_000 } as const;

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
  /** Failed connections in a row (no answer of any kind since): each one doubles the next pause. */
  private consecutiveUnreachable = 0;
  private lastUnreachableAt = Number.NEGATIVE_INFINITY;
  /** When the current streak of failed connections began (undefined: the API answered since). */
  private unreachableSince: number | undefined;
  private everReached = false;
  private awaitingAdmission = false;
  private probe: Probe | undefined;

  constructor(private readonly random: () => number) {}

  /** 529s came back more than once since the last success: the class is overloaded, not just unlucky. */
  get repeatedOverloads(): boolean {
    return this.consecutiveOverloads >= 2;
  }

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

  /**
   * The API answered something (headers, a reply, an error status) for a request sent at `sentAt`.
   * One sent after the last failed connection ends their streak; an older one, still on a
   * connection made before, proves nothing about new ones.
   */
  reached(sentAt: number): void {
    this.everReached = true;
    if (sentAt <= this.lastUnreachableAt) return;
    this.unreachableSince = undefined;
    this.consecutiveUnreachable = 0;
  }

  /** The runs that gave up on a connection have ended: a new one starts its own streak. */
  forgetUnreachable(): void {
    this.unreachableSince = undefined;
    this.consecutiveUnreachable = 0;
  }

  /**
   * How long the API has been out of reach, once the next try would come later than the runs
   * should wait (`UNREACHABLE_GIVE_UP_MS`) — so they stop now rather than after one more pause;
   * undefined while it would not.
   */
  unreachableTooLong(now: number): number | undefined {
    if (this.unreachableSince === undefined) return undefined;
    const limit = this.everReached ? UNREACHABLE_GIVE_UP_MS.reachedBefore : UNREACHABLE_GIVE_UP_MS.neverReached;
    const nextTry = Math.max(now, this.until);
    return nextTry - this.unreachableSince >= limit ? now - this.unreachableSince : undefined;
  }

  /** The API accepted this request (its headers came): if it was the probe, the rest may go. */
  accepted(item: Probe, sentAt: number): boolean {
    this.reached(sentAt);
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
    this.reached(sentAt);
    this.answered(item, false);
    if (sentAt > this.lastOverloadAt) this.consecutiveOverloads = 0;
  }

  /**
   * A 429, a 529 or a failed connection for a request sent at `sentAt`. Returns the pause it
   * started, or undefined when it changes nothing: a 529 for a request already in the air when the
   * last one came back is the same news (a burst's 529s return over a second or more, as many as
   * were in flight; each restarting the pause kept every new request waiting until the last of
   * them was in). So is a failed connection.
   */
  pushback(cause: PushbackCause, now: number, sentAt: number, retryAfterMs: number | undefined, retryAfterAskedMs?: number): PauseStarted | undefined {
    if (cause === 'overloaded') {
      if (sentAt <= this.lastOverloadAt) return undefined;
      this.consecutiveOverloads++;
      this.lastOverloadAt = now;
    }
    if (cause === 'unreachable') {
      this.unreachableSince ??= sentAt;
      if (sentAt <= this.lastUnreachableAt) return undefined;
      this.consecutiveUnreachable++;
      this.lastUnreachableAt = now;
    } else this.reached(sentAt);
    this.awaitingAdmission = true;
    // Without retry-after (a 529, no connection): 250 ms, doubling per 529 since the last success
    // up to 1 s; 1 s doubling up to 30 s per failed connection in a row. Jittered (50–100%).
    const backoffMs = cause === 'unreachable'
      ? exponentialMs(this.consecutiveUnreachable, { baseMs: UNREACHABLE_PAUSE_BASE_MS, capMs: UNREACHABLE_PAUSE_MAX_MS })
      : exponentialMs(this.consecutiveOverloads, { baseMs: OVERLOAD_PAUSE_BASE_MS, capMs: OVERLOAD_PAUSE_MAX_MS });
    // A retry-after is held to MAX_SERVER_WAIT_MS (the classifier already did; this pause, shared
    // with every other process through the coordinator, must stay bounded whoever calls it).
    const asked = retryAfterAskedMs ?? retryAfterMs;
    const server = asked === undefined ? undefined : capServerWait(asked);
    const pauseMs = server?.waitMs ?? equalJitterMs(backoffMs, this.random);
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
