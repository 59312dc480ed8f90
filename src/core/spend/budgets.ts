// Every limit a request must fit under before it goes out: the run's own spend cap, and budgets
// shared by every run on the same key (the daily spend and token budgets). A request reserves its
// worst case on all of them, or on none.
import { SpendLedger, type SpendReservation } from './spend-ledger';

interface RequestCost {
  usd: number;
  tokens: number;
}

/** A budget shared across runs. `ledger()` may return a new ledger when its period rolls over. */
export interface SharedBudget {
  /** For messages: "daily spend budget". */
  label: string;
  measure: keyof RequestCost;
  ledger(): SpendLedger;
  /** Told after each settlement, to persist the counter. */
  onSettled?(): void;
}

interface Entry {
  label: string;
  measure: keyof RequestCost;
  ledger: () => SpendLedger;
  onSettled?: () => void;
}

export interface BudgetHold {
  parts: Array<{ entry: Entry; ledger: SpendLedger; reservation: SpendReservation }>;
}

export type ReserveResult = { ok: true; hold: BudgetHold } | { ok: false; label: string; everFits: boolean };

export class Budgets {
  private readonly entries: Entry[];

  constructor(runLedger: SpendLedger, shared: readonly SharedBudget[] = []) {
    this.entries = [{ label: 'spend cap', measure: 'usd', ledger: () => runLedger }, ...shared.map((s) => ({ ...s, ledger: () => s.ledger() }))];
  }

  /** Reserve `worst` on every budget, or on none. `usd` null means unpriced: it fits only where no USD limit is set. */
  tryReserve(worst: { usd: number | null; tokens: number }): ReserveResult {
    const parts: BudgetHold['parts'] = [];
    for (const entry of this.entries) {
      const ledger = entry.ledger();
      const amount = worst[entry.measure];
      if (amount === null) {
        if (ledger.view().capUsd === undefined) continue;
        this.rollBack(parts);
        return { ok: false, label: entry.label, everFits: false };
      }
      const reservation = ledger.tryReserve(amount);
      if (!reservation) {
        this.rollBack(parts);
        return { ok: false, label: entry.label, everFits: ledger.couldEverFit(amount) };
      }
      parts.push({ entry, ledger, reservation });
    }
    return { ok: true, hold: { parts } };
  }

  private rollBack(parts: BudgetHold['parts']): void {
    for (const p of parts) p.ledger.release(p.reservation);
  }

  /** The request returned: settle each budget to what it really consumed. */
  settle(hold: BudgetHold, actual: { usd: number | null; tokens: number }): void {
    for (const p of hold.parts) {
      p.ledger.settle(p.reservation, actual[p.entry.measure] ?? 0);
      p.entry.onSettled?.();
    }
  }

  release(hold: BudgetHold): void {
    for (const p of hold.parts) p.ledger.release(p.reservation);
  }

  keepWorstCase(hold: BudgetHold): void {
    for (const p of hold.parts) {
      p.ledger.keepWorstCase(p.reservation);
      p.entry.onSettled?.();
    }
  }
}
