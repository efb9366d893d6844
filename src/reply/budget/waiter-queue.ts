/**
 * The bookkeeping every edit budget shares, whatever decides its grants: how many replies draw on it (and how
 * long they live), and the calls waiting for a grant, oldest first, each with what it told the budget about
 * itself (scheduler.ts picks among them). A waiter whose reply ends (its signal aborts) leaves the queue at once,
 * so a grant always goes to a call that still wants it.
 */
import type { CallClaim, ScopeState } from "./scheduler.js";
import { LifeEstimate } from "./scheduler.js";

/**
 * Counts the replies streaming in a scope, and learns how long they live (the scheduler spreads the window over
 * that); each `join` returns its own leave, safe to call twice.
 */
export class ActiveReplies {
  private count = 0;
  private readonly life = new LifeEstimate();
  /** When each reply streaming now joined. */
  private readonly joined = new Set<{ at: number }>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** Told after a reply left (the scheduler's reserve shrank: a waiter may go now). */
    private readonly onLeave: () => void = () => {},
  ) {}

  get active(): number {
    return this.count;
  }

  /** The replies' expected life in ms. */
  get lifeMs(): number {
    return this.life.ms;
  }

  /** How long the replies streaming now have been at it, on average (0 when none). */
  get meanAgeMs(): number {
    if (this.joined.size === 0) return 0;
    const now = this.now();
    let sum = 0;
    for (const j of this.joined) sum += now - j.at;
    return sum / this.joined.size;
  }

  /** What the scheduler needs to know of a scope with these replies, its rate and its window's own count. */
  scope(rate: { calls: number; perMs: number }, freesWithin: (ms: number) => number): ScopeState {
    return { calls: rate.calls, perMs: rate.perMs, active: this.active, lifeMs: this.lifeMs, meanAgeMs: this.meanAgeMs, freesWithin };
  }

  join(): () => void {
    this.count++;
    const joined = { at: this.now() };
    this.joined.add(joined);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count--;
      this.joined.delete(joined);
      this.life.record(this.now() - joined.at);
      this.onLeave();
    };
  }
}

interface Waiter<T> {
  claim: CallClaim | undefined;
  resolve: (value: T) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** The calls waiting for a grant, oldest first. `onQueued` runs after each one joins (the budget serves them). */
export class WaiterQueue<T = void> {
  private readonly waiters: Waiter<T>[] = [];

  constructor(private readonly onQueued: (claim: CallClaim | undefined) => void) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Resolves when granted; rejects with the signal's reason if it aborts first (or already has). */
  wait(signal?: AbortSignal, claim?: CallClaim): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { claim, resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortError(signal));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.onQueued(claim);
    });
  }

  /** What each waiter said about its call, oldest first. */
  claims(): Array<CallClaim | undefined> {
    return this.waiters.map((w) => w.claim);
  }

  /** Grants the oldest waiter, handing it `value`; false when none waits. */
  grantNext(value: T): boolean {
    return this.grantAt(0, value);
  }

  /** Grants the waiter at `index` (oldest first), handing it `value`; false when there is none. */
  grantAt(index: number, value: T): boolean {
    const [waiter] = this.waiters.splice(index, 1);
    if (!waiter) return false;
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.resolve(value);
    return true;
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The wait for the edit budget was aborted.", "AbortError");
}
