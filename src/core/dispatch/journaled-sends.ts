// The requests one pass of the admission loop let through, held until their spend is durable.
//
// The spend cap must survive a crash: a request may leave only once the reservation for its worst
// case is in its run's spend journal on disk. Flushing per request would be one fdatasync each;
// holding the pass's sends and flushing each run's journal once before any of them leaves is one
// per run per pass.
interface Journaled {
  flushJournal(): void;
}

export class JournaledSends<R extends Journaled> {
  private readonly pending: Array<{ run: R; send: () => void }> = [];

  /** Admitted for `run`: `send` is called by the next `release`, after the run's journal is flushed. */
  add(run: R, send: () => void): void {
    this.pending.push({ run, send });
  }

  /** Flush each run's journal once, then send everything held, in the order admitted. */
  release(): void {
    if (this.pending.length === 0) return;
    const sends = this.pending.splice(0);
    const flushed = new Set<R>();
    for (const { run } of sends) {
      if (flushed.has(run)) continue;
      flushed.add(run);
      run.flushJournal();
    }
    for (const { send } of sends) send();
  }
}
