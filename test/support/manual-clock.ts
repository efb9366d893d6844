import type { Clock } from "../../src/reply/clock.js";

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A virtual clock: time moves only when told to. `runUntilSettled` moves it from one pending timer to the next,
 * letting all promise work settle in between, so a whole streamed answer plays out in milliseconds of real time.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, resolve: () => {} };
      const done = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      timer.resolve = done;
      this.timers.push(timer);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Number of sleeps not yet due. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way in order. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > until) break;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    this.time = until;
    await settle();
  }

  /**
   * Runs virtual time until `promise` settles. Throws when nothing is left to wait for and it still has not
   * settled (a deadlock), or after `maxMs` of virtual time.
   */
  async runUntilSettled<T>(promise: Promise<T>, maxMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    const limit = this.time + maxMs;
    for (;;) {
      await settle();
      if (settled) return watched;
      const next = this.nextTimer();
      if (!next) throw new Error("ManualClock: nothing left to wait for, but the promise has not settled");
      if (next.at > limit) throw new Error(`ManualClock: still not settled after ${maxMs} ms of virtual time`);
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}

/** Lets every queued promise continuation run (a macrotask turn comes after all microtasks). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
