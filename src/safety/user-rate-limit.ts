/**
 * Per-user request rate: at most `limit` requests in any `windowMs` (a sliding window, so a burst at the edge of
 * a fixed minute cannot double it). In memory, per replica: with N replicas a user gets at most N times the
 * limit, which is fine for a courtesy limit that protects the model budget from one eager user.
 */

export interface UserRateLimitOptions {
  /** Requests allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  /** Sentence for the user; `{seconds}` is replaced by the wait. Empty string silences it. */
  reply?: string;
}

export type RateDecision =
  | { allowed: true }
  | {
      allowed: false;
      retryAfterMs: number;
      /** The friendly sentence, or undefined when silenced. */
      reply: string | undefined;
      /**
       * True only for the first refusal since the user was last allowed: tell them once, not on every message
       * they send while over the limit.
       */
      notify: boolean;
    };

export const DEFAULT_RATE_LIMIT_REPLY =
  "You're sending me requests faster than I can take them. Please wait about {seconds} seconds and try again.";

interface UserWindow {
  /** Times of allowed requests, oldest first, all within the window. */
  times: number[];
  notified: boolean;
}

/** Above this many tracked users, idle windows are swept so memory stays bounded. */
const SWEEP_THRESHOLD = 10_000;

export class UserRateLimiter {
  private readonly windows = new Map<string, UserWindow>();
  private readonly now: () => number;

  constructor(private readonly options: UserRateLimitOptions) {
    if (!(options.windowMs > 0)) throw new Error("windowMs must be positive");
    this.now = options.now ?? Date.now;
  }

  /** Counts a request by `userKey` (e.g. "slack:T1:U1") and says whether it may go ahead. */
  check(userKey: string): RateDecision {
    const { limit, windowMs } = this.options;
    if (limit <= 0) return { allowed: true };
    const now = this.now();
    if (this.windows.size > SWEEP_THRESHOLD) this.sweep(now);

    const window = this.windows.get(userKey) ?? { times: [], notified: false };
    this.windows.set(userKey, window);
    while (window.times.length > 0 && window.times[0]! <= now - windowMs) window.times.shift();

    if (window.times.length < limit) {
      window.times.push(now);
      window.notified = false;
      return { allowed: true };
    }
    const retryAfterMs = Math.max(0, window.times[0]! + windowMs - now);
    const notify = !window.notified;
    window.notified = true;
    const template = this.options.reply ?? DEFAULT_RATE_LIMIT_REPLY;
    const reply = template.trim()
      ? template.replaceAll("{seconds}", String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
      : undefined;
    return { allowed: false, retryAfterMs, reply, notify };
  }

  /** Users currently tracked (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.times.every((t) => t <= now - this.options.windowMs)) this.windows.delete(key);
    }
  }
}
