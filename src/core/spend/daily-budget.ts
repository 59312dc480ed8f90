// Daily spend and token budgets per API key, counted across runs and restarts (the org cap that
// started this project was a daily one). Days are UTC days, as the API's own daily limits are.
import type { Clock } from '../types';
import { SpendLedger } from './spend-ledger';
import type { SharedBudget } from './budgets';

export interface DailyUsage {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  spentUsd: number;
  tokens: number;
}

/** Where the counters live between sessions (the extension: globalState, keyed by a hash of the key). */
export interface DailyUsageStore {
  load(): DailyUsage | undefined;
  save(usage: DailyUsage): void;
}

export interface DailyLimits {
  budgetUsd?: number;
  tokenBudget?: number;
}

const PERSIST_EVERY_MS = 1_000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class DailyBudget {
  private day: string;
  private usd!: SpendLedger;
  private tokens!: SpendLedger;
  private lastSavedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: DailyUsageStore,
    private limits: DailyLimits,
    private readonly clock: Clock,
  ) {
    this.day = utcDay(clock.now());
    const saved = store.load();
    this.startDay(saved?.day === this.day ? saved : { day: this.day, spentUsd: 0, tokens: 0 });
  }

  private startDay(usage: DailyUsage): void {
    this.day = usage.day;
    this.usd = new SpendLedger(this.limits.budgetUsd, usage.spentUsd);
    this.tokens = new SpendLedger(this.limits.tokenBudget, usage.tokens);
  }

  /** Settings changed: new caps apply from the next reservation, today's counts are kept. */
  setLimits(limits: DailyLimits): void {
    this.limits = limits;
    this.startDay(this.usage());
  }

  private rollOver(): void {
    const today = utcDay(this.clock.now());
    if (today !== this.day) this.startDay({ day: today, spentUsd: 0, tokens: 0 });
  }

  usage(): DailyUsage {
    this.rollOver();
    return { day: this.day, spentUsd: this.usd.view().spentUsd, tokens: this.tokens.view().spentUsd };
  }

  get limitsInForce(): DailyLimits {
    return this.limits;
  }

  /** Persist now (on deactivate), regardless of the throttle. */
  flush(): void {
    this.store.save(this.usage());
    this.lastSavedAt = this.clock.now();
  }

  private saveSoon(): void {
    if (this.clock.now() - this.lastSavedAt >= PERSIST_EVERY_MS) this.flush();
  }

  /** The two budgets as the dispatcher's runs reserve against them. */
  sharedBudgets(): SharedBudget[] {
    return [
      { label: 'daily spend budget', measure: 'usd', ledger: () => (this.rollOver(), this.usd), onSettled: () => this.saveSoon() },
      { label: 'daily token budget', measure: 'tokens', ledger: () => (this.rollOver(), this.tokens), onSettled: () => this.saveSoon() },
    ];
  }
}
