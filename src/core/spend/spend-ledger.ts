// Keeps a spend cap uncrossable by construction: a request's worst-case cost is reserved before it
// goes out and settled to its real cost when it returns. A request that cannot be reserved is not sent.

export interface SpendReservation {
  readonly amount: number;
  settled: boolean;
}

export interface SpendView {
  /** Settled cost (USD), including worst cases kept for requests that may have been billed. */
  spentUsd: number;
  /** Worst cases held for requests in flight. */
  reservedUsd: number;
  capUsd: number | undefined;
}

export class SpendLedger {
  private spent: number;
  private reserved = 0;

  /** `alreadySpentUsd`: what earlier attempts at this job cost (a resumed run counts them toward its cap). */
  constructor(
    private readonly capUsd: number | undefined,
    alreadySpentUsd = 0,
  ) {
    this.spent = alreadySpentUsd;
  }

  /** Reserve `amount`, or return undefined if it would cross the cap. */
  tryReserve(amount: number): SpendReservation | undefined {
    if (this.capUsd !== undefined && this.spent + this.reserved + amount > this.capUsd + 1e-12) return undefined;
    this.reserved += amount;
    return { amount, settled: false };
  }

  /** Could a request of this worst case ever fit, once everything in flight has settled? */
  couldEverFit(amount: number): boolean {
    return this.capUsd === undefined || this.spent + amount <= this.capUsd + 1e-12;
  }

  /** The request returned: its real cost replaces the reservation. */
  settle(reservation: SpendReservation, actualUsd: number): void {
    if (reservation.settled) return;
    reservation.settled = true;
    this.reserved -= reservation.amount;
    this.spent += actualUsd;
  }

  /** Nothing was billed (refused before processing): free the reservation. */
  release(reservation: SpendReservation): void {
    this.settle(reservation, 0);
  }

  /** We cannot know whether it was billed (a timeout): keep the worst case as spent. */
  keepWorstCase(reservation: SpendReservation): void {
    this.settle(reservation, reservation.amount);
  }

  view(): SpendView {
    return { spentUsd: this.spent, reservedUsd: Math.max(0, this.reserved), capUsd: this.capUsd };
  }
}
