import { ThreadRunAbort } from "./thread-run-abort.js";

/**
 * The answers an adapter has in flight: tracked so shutdown can let them finish within a grace period, then abort
 * the rest and wait for them to end. Shared by every platform adapter.
 */
export class RunningWork {
  private readonly running = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  /** Aborted when the grace period of `drain` is over: running answers end with a short note. */
  readonly signal = this.controller.signal;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `work` in the background; its failure is reported, never thrown. */
  track(work: Promise<void>): void {
    const tracked = work.catch(this.onError);
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when nothing is running (work started meanwhile included). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Waits up to `graceMs` for running work, then aborts `signal` and waits for the rest to end. */
  async drain(graceMs: number): Promise<void> {
    await idleWithin(graceMs, () => this.whenIdle());
    // The reason tells the answer to end with the "bot is restarting" note rather than a plain stop.
    this.controller.abort(new ThreadRunAbort("shutdown"));
    await this.whenIdle();
  }
}

/** Resolves when `whenIdle` does, or once `graceMs` has passed: the grace period of a shutdown. */
export async function idleWithin(graceMs: number, whenIdle: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([whenIdle(), graceOver]);
  clearTimeout(timer);
}
