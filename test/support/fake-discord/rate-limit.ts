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

export type BucketAnswer = { allowed: true; state: BucketState } | { allowed: false; state: BucketState; retryAfterMs: number };

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
