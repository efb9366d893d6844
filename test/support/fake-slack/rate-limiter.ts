/** A window limit like Slack's tiers: at most `calls` calls in any `perMs` window. */
export interface WindowLimit {
  calls: number;
  perMs: number;
}

/**
 * Sliding-window limiter keyed by scope (workspace for chat.update, channel for chat.postMessage). Each scope keeps
 * only the times of its last `calls` accepted calls, so a benchmark with hundreds of scopes stays cheap.
 */
export class SlidingWindowLimiter {
  private readonly windows = new Map<string, number[]>();
  /** Scopes blocked outright until a time (a test's "rate-limited for a while"). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private limit: WindowLimit,
    private readonly now: () => number = Date.now,
  ) {}

  setLimit(limit: WindowLimit): void {
    this.limit = limit;
    this.windows.clear();
  }

  /** Refuses every call in `scope` (or every scope with `*`) for `ms`. */
  block(scope: string, ms: number): void {
    this.blockedUntil.set(scope, this.now() + ms);
  }

  /** Accepts the call (0) or tells how many ms until one more fits. */
  take(scope: string): number {
    const now = this.now();
    const blocked = Math.max(this.blockedUntil.get(scope) ?? 0, this.blockedUntil.get("*") ?? 0);
    if (blocked > now) return blocked - now;
    let times = this.windows.get(scope);
    if (!times) {
      times = [];
      this.windows.set(scope, times);
    }
    while (times.length > 0 && times[0]! <= now - this.limit.perMs) times.shift();
    if (times.length >= this.limit.calls) return Math.max(1, times[0]! + this.limit.perMs - now);
    times.push(now);
    return 0;
  }
}
