/**
 * "Something changed" for a streamer's loops: `next` resolves at the first `notify` after it was read. A loop reads
 * `next` BEFORE it looks at the state and awaits it after, so a change made while it looked is never missed.
 */
export class ChangeSignal {
  private wake: () => void = () => {};
  private pending!: Promise<void>;

  constructor() {
    this.renew();
  }

  /** Resolves at the next change. */
  get next(): Promise<void> {
    return this.pending;
  }

  /** Wakes everyone waiting on `next`; later readers wait for the change after this one. */
  notify(): void {
    this.wake();
  }

  private renew(): void {
    this.pending = new Promise<void>((resolve) => {
      this.wake = () => {
        this.renew();
        resolve();
      };
    });
  }
}
