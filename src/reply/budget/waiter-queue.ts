/**
 * The bookkeeping every edit budget shares, whatever decides its grants: how many replies draw on it, and the
 * calls waiting for a grant, first come, first served. A waiter whose reply ends (its signal aborts) leaves the
 * queue at once, so a grant always goes to a call that still wants it.
 */

/** Counts the replies streaming in a scope; each `join` returns its own leave, safe to call twice. */
export class ActiveReplies {
  private count = 0;

  get active(): number {
    return this.count;
  }

  join(): () => void {
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count--;
    };
  }
}

interface Waiter<T> {
  resolve: (value: T) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** The calls waiting for a grant, oldest first. `onQueued` runs after each one joins (the budget serves them). */
export class WaiterQueue<T = void> {
  private readonly waiters: Waiter<T>[] = [];

  constructor(private readonly onQueued: () => void) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Resolves when granted; rejects with the signal's reason if it aborts first (or already has). */
  wait(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortError(signal));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.onQueued();
    });
  }

  /** Grants the oldest waiter, handing it `value`; false when none waits. */
  grantNext(value: T): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.resolve(value);
    return true;
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The wait for the edit budget was aborted.", "AbortError");
}
