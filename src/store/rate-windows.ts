import { checkRate, checkTtl } from "./keys.js";

/**
 * Sliding-window rate limits and pauses kept in this process (the memory store's `takeRateSlot`/`pauseRate`).
 * Atomic because nothing awaits between the check and the record. Windows and pauses that ran out are dropped,
 * so scopes that went quiet cost nothing.
 */
export class RateWindows {
  private readonly windows = new Map<string, number[]>();
  private readonly pauses = new Map<string, number>();
  private takes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** 0 when a slot was taken and recorded, else the ms until one may be free. */
  take(key: string, calls: number, perMs: number): number {
    const rate = checkRate(calls, perMs);
    if (++this.takes % 1024 === 0) this.sweep();
    const now = this.now();
    const pausedUntil = this.pauses.get(key) ?? 0;
    if (pausedUntil > now) return Math.ceil(pausedUntil - now);
    const times = this.live(key, rate.perMs, now);
    if (times.length < rate.calls) {
      times.push(now);
      this.windows.set(key, times);
      return 0;
    }
    // The slot that frees first is the one `calls` grants back from the newest.
    return Math.max(1, Math.ceil(times[times.length - rate.calls]! + rate.perMs - now));
  }

  pause(key: string, ms: number): void {
    const until = this.now() + checkTtl(ms);
    this.pauses.set(key, Math.max(until, this.pauses.get(key) ?? 0));
  }

  clear(): void {
    this.windows.clear();
    this.pauses.clear();
  }

  private live(key: string, perMs: number, now: number): number[] {
    const times = this.windows.get(key) ?? [];
    let stale = 0;
    while (stale < times.length && times[stale]! <= now - perMs) stale++;
    if (stale > 0) times.splice(0, stale);
    if (times.length === 0) this.windows.delete(key);
    return times;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, until] of this.pauses) if (until <= now) this.pauses.delete(key);
    // A window's length is only known to its takers: drop those whose newest grant is an hour old (no platform
    // window is that long).
    for (const [key, times] of this.windows) if (times.length === 0 || times[times.length - 1]! <= now - 3_600_000) this.windows.delete(key);
  }
}
