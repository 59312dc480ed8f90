// Results handed from the dispatcher (which pushes them as requests finish) to a consumer's
// `for await` (which pulls when it is ready). The dispatcher does not wait for the consumer, so a
// slow consumer would let results pile up without bound: past `highWater` the producer is told to
// hold (`onFull`), and told to go on (`onRoom`) once the consumer has taken it down to `lowWater`.

export interface ChannelOptions {
  highWater: number;
  lowWater: number;
  onFull: () => void;
  onRoom: () => void;
}

export class ResultChannel<T> {
  private readonly buffer: T[] = [];
  private waiter: ((value: T | undefined) => void) | undefined;
  private closed = false;
  private full = false;

  constructor(private readonly options: ChannelOptions) {}

  /** One more result, in the order it finished. */
  push(value: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(value);
      return;
    }
    this.buffer.push(value);
    if (!this.full && this.buffer.length >= this.options.highWater) {
      this.full = true;
      this.options.onFull();
    }
  }

  /** No more results will come: a pending or later `take` gets `undefined` once the buffer is empty. */
  close(): void {
    this.closed = true;
    if (this.waiter && this.buffer.length === 0) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(undefined);
    }
  }

  /** The next result, waiting for it if need be; `undefined` once closed and emptied. */
  take(): Promise<T | undefined> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      if (this.full && this.buffer.length <= this.options.lowWater) {
        this.full = false;
        this.options.onRoom();
      }
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
