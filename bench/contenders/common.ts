// What every "static" contender shares: the real SDK with its default retries, the job read from
// the JSONL file, a spend cap enforced the way a careful engineer does (by settled cost), and a
// deadline that aborts whatever is in flight.
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { Pricing } from '../../src/core/pricing/pricing';
import type { JobLine } from '../jobs';
import type { Usage as CoreUsage } from '../../src/core/types';
import type { ContenderOptions, ContenderResult } from './types';

/** Every contender's client gets an explicit timeout; retries are the SDK's default (2). */
const REQUEST_TIMEOUT_MS = 60_000;

export function sdkClient(baseURL: string, apiKey: string): Anthropic {
  return new Anthropic({ apiKey, baseURL, timeout: REQUEST_TIMEOUT_MS });
}

export function readJob(path: string): JobLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobLine);
}

type Usage = Anthropic.Usage;
export type SendOutcome = { kind: 'ok'; usage: Usage } | { kind: 'failed'; status: number | undefined } | { kind: 'aborted' };

/** Counts, spend and the deadline for a contender that does its own scheduling. */
export class Books {
  succeeded = 0;
  errored = 0;
  spentUsd = 0;
  inFlight = 0;
  stoppedBy: ContenderResult['stoppedBy'] | undefined;
  /** Successes by the model the reply names. */
  readonly answeredBy: Record<string, number> = {};
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  private readonly controllers = new Set<AbortController>();
  private readonly pricing = new Pricing();
  private readonly timer: ReturnType<typeof setTimeout>;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly client: Anthropic,
    private readonly options: ContenderOptions,
    private readonly total: number,
  ) {
    this.timer = setTimeout(() => this.stop('deadline'), Math.max(0, options.deadline - Date.now()));
  }

  get stopped(): boolean {
    return this.stoppedBy !== undefined;
  }

  get done(): boolean {
    return this.succeeded + this.errored >= this.total;
  }

  /** Whether another request may go out: not stopped, and (careful engineer) the next one at the average cost stays under the cap. */
  canSend(): boolean {
    if (this.stopped) return false;
    const cap = this.options.capUsd;
    if (cap !== undefined) {
      const average = this.succeeded > 0 ? this.spentUsd / this.succeeded : 0;
      if (this.spentUsd + average > cap) {
        this.stop('cap');
        return false;
      }
    }
    return true;
  }

  /** Stop sending. The time limit also aborts what is in flight; the cap lets it finish (and be billed). */
  stop(reason: ContenderResult['stoppedBy']): void {
    if (this.stopped) return;
    this.stoppedBy = reason;
    if (reason === 'deadline') {
      this.endedAt ??= Date.now();
      for (const c of this.controllers) c.abort();
    }
    this.wake();
  }

  /** One messages.create with the SDK's own retries. */
  async send(line: JobLine): Promise<SendOutcome> {
    const controller = new AbortController();
    this.controllers.add(controller);
    this.inFlight++;
    try {
      const message = await this.client.messages.create(line.params as Anthropic.MessageCreateParamsNonStreaming, { signal: controller.signal });
      this.spentUsd += this.pricing.costOf(line.params.model, message.usage as unknown as CoreUsage) ?? 0;
      this.succeeded++;
      this.answeredBy[message.model] = (this.answeredBy[message.model] ?? 0) + 1;
      if (this.done) this.finish();
      return { kind: 'ok', usage: message.usage };
    } catch (err) {
      if (err instanceof Anthropic.APIUserAbortError || controller.signal.aborted) return { kind: 'aborted' };
      return { kind: 'failed', status: err instanceof Anthropic.APIError ? err.status : undefined };
    } finally {
      this.inFlight--;
      this.controllers.delete(controller);
      if (this.stoppedBy === 'cap' && this.inFlight === 0) this.endedAt ??= Date.now();
      this.wake();
    }
  }

  /** Give up on a line for good (not used by the contenders here: they re-queue failures). */
  fail(): void {
    this.errored++;
    if (this.done) this.finish();
  }

  private finish(): void {
    this.endedAt ??= Date.now();
    this.stoppedBy ??= 'finished';
    this.wake();
  }

  /** Resolves on the next completion or stop (for worker loops waiting for re-queued lines). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  result(extra: Partial<ContenderResult> = {}): ContenderResult {
    clearTimeout(this.timer);
    return {
      succeeded: this.succeeded,
      errored: this.errored,
      stoppedBy: this.stoppedBy ?? 'finished',
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? Date.now(),
      ownSpendUsd: this.spentUsd,
      answeredBy: { ...this.answeredBy },
      ...extra,
    };
  }
}

/** A minimal semaphore (what p-limit does). */
export function semaphore(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
