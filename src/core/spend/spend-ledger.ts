// Keeps a spend cap uncrossable by construction: a request's worst-case cost is reserved before it
// goes out and settled to its real cost when it returns. A request that cannot be reserved is not sent.

export interface SpendReservation {
  readonly amount: number;
  settled: boolean;
  /** Its entry in the spend journal, when the ledger keeps one. */
  readonly journalId?: number;
}

/** Where a ledger records reservations and settlements so they outlive the process (the spend journal). */
export interface SpendRecorder {
  reserve(worstUsd: number): number;
  settle(id: number, usd: number): void;
}

/** The books were handed an amount no price can produce: a bug, and one that could lift a cap. */
export class BooksError extends Error {
  constructor(what: string, value: unknown) {
    super(`the spend books were handed ${String(value)} as ${what}; a cap cannot be kept with it, so the run stops (this is a bug in Floorline or in a price given to it)`);
    this.name = 'BooksError';
  }
}

/** Every amount entering the books is finite and not negative, or the run stops loudly. */
export function assertAmount(what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new BooksError(what, value);
  return value;
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
    private readonly recorder?: SpendRecorder,
  ) {
    if (capUsd !== undefined) assertAmount('a spend cap', capUsd);
    this.spent = assertAmount('money already spent', alreadySpentUsd);
  }

  /** Reserve `amount`, or return undefined if it would cross the cap. */
  tryReserve(amount: number): SpendReservation | undefined {
    assertAmount('a worst-case cost', amount);
    if (this.capUsd !== undefined && this.spent + this.reserved + amount > this.capUsd + 1e-12) return undefined;
    this.reserved += amount;
    return this.recorder ? { amount, settled: false, journalId: this.recorder.reserve(amount) } : { amount, settled: false };
  }

  /** Could a request of this worst case ever fit, once everything in flight has settled? */
  couldEverFit(amount: number): boolean {
    return this.capUsd === undefined || this.spent + amount <= this.capUsd + 1e-12;
  }

  /** The request returned: its real cost replaces the reservation. */
  settle(reservation: SpendReservation, actualUsd: number): void {
    if (reservation.settled) return;
    assertAmount('a settled cost', actualUsd);
    reservation.settled = true;
    this.reserved -= reservation.amount;
    this.spent += actualUsd;
    if (reservation.journalId !== undefined) this.recorder?.settle(reservation.journalId, actualUsd);
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
