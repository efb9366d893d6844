/**
 * Discord's per-channel bucket for creating and editing messages: `limit` calls per `windowMs`, the window
 * starting with the first call after the previous one ran out (as Discord's `X-RateLimit-Reset-After` counts).
 */
export interface BucketState {
  limit: number;
  remaining: number;
  /** Epoch ms when the bucket refills. */
  resetAt: number;
}

export type BucketAnswer =
  | { allowed: true; state: BucketState }
  | { allowed: false; state: BucketState; retryAfterMs: number };

export class ChannelRateLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(channelId: string): BucketAnswer {
    const now = this.now();
    let state = this.buckets.get(channelId);
    if (!state || now >= state.resetAt) {
      state = { limit: this.limit, remaining: this.limit, resetAt: now + this.windowMs };
      this.buckets.set(channelId, state);
    }
    if (state.remaining <= 0) return { allowed: false, state, retryAfterMs: state.resetAt - now };
    state.remaining -= 1;
    return { allowed: true, state };
  }

  /** The headers discord.js reads to keep its own bucket in step. */
  headers(state: BucketState, bucketHash: string): Record<string, string> {
    const resetAfter = Math.max(0, state.resetAt - this.now()) / 1000;
    return {
      "x-ratelimit-limit": String(state.limit),
      "x-ratelimit-remaining": String(state.remaining),
      "x-ratelimit-reset": (state.resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": bucketHash,
    };
  }
}

/**
 * Discord's global limit: `limit` requests per second per bot token across all routes, in fixed one-second
 * windows. Over it, Discord answers 429 with `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`.
 * Interaction endpoints (the callback and the interaction webhook) are not bound by it (Discord's Rate Limits
 * page, "Global Rate Limit"), so the REST handler does not ask for them.
 */
export class GlobalRateLimiter {
  private windowStart = -Infinity;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; returns how long to wait (ms) when it is over the limit, else null. */
  take(): number | null {
    const now = this.now();
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit) return this.windowStart + this.windowMs - now;
    this.used += 1;
    return null;
  }
}
