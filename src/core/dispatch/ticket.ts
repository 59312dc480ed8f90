// One dispatched attempt and everything it holds: its reservation on our quota model, its hold on
// the run's spend cap and shared budgets, and its lease on the shared quota (Redis). Every way an
// attempt can end comes down to one of two calls, so no path can settle one ledger and forget
// another:
//   - settle: answered with a usage that makes sense; each ledger learns the real amounts.
//   - release: anything else. `refused`: the API took nothing (never sent, or refused at the
//     door), so the quota gets its reservation back; `possiblyBilled`: it may have been processed
//     (cut off mid-flight, a 200 without usage), so the cap keeps its worst case.
import type { SharedCoordinator } from '../coordination/coordinator';
import type { Consumption, QuotaModel, QuotaReservation } from '../limits/quota-model';
import type { BudgetHold, Budgets } from '../spend/budgets';

export interface TicketCost {
  usd: number | null;
  tokens: number;
}

export class Ticket {
  private open = true;

  constructor(
    private readonly quota: QuotaModel,
    private readonly reservation: QuotaReservation,
    private readonly budgets: Budgets,
    private readonly hold: BudgetHold | undefined,
    private readonly coordinator: SharedCoordinator | undefined,
    private readonly lease: string | undefined,
  ) {}

  /** What the quota model reserved for it: its expected consumption. */
  get consumption(): Consumption {
    return this.reservation.consumption;
  }

  settle(charged: Consumption, cost: TicketCost): void {
    if (!this.close()) return;
    this.quota.settle(this.reservation, charged);
    if (this.lease) void this.coordinator?.settle(this.lease, { consumption: charged, usd: cost.usd, tokens: cost.tokens });
    if (this.hold) this.budgets.settle(this.hold, cost);
  }

  release(outcome: { refused: boolean; possiblyBilled: boolean }): void {
    if (!this.close()) return;
    this.quota.release(this.reservation, outcome.refused);
    if (this.lease) void this.coordinator?.release(this.lease, outcome.refused, outcome.possiblyBilled);
    if (!this.hold) return;
    if (outcome.possiblyBilled) this.budgets.keepWorstCase(this.hold);
    else this.budgets.release(this.hold);
  }

  /** Once only: a second settlement would count the same attempt twice. */
  private close(): boolean {
    const wasOpen = this.open;
    this.open = false;
    return wasOpen;
  }
}
