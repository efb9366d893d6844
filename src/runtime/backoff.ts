/** Waiting between attempts: exponential backoff with jitter, and a sleep that an AbortSignal can cut short. */

export interface RetryPolicy {
  /** Total attempts, the first included (the reference uses 3). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 3_000, maxDelayMs: 30_000 };

/**
 * Delay before the attempt after `attempt` (0-based): `min(base * 2^attempt, max) * (0.5 + random * 0.5)`, so
 * between half and all of the capped exponential delay. Compute it once per wait and use that value for both
 * the log line and the sleep (the reference drew two different random delays).
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const capped = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt), policy.maxDelayMs);
  return Math.round(capped * (0.5 + random() * 0.5));
}

/** Resolves `true` after `ms`, or `false` as soon as `signal` aborts (at once if it already has). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
